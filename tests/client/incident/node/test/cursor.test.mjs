// node-postgres `pg-cursor` through pgshim while environments.last_error is
// missing (issue: every statement shape): the cursor's Parse/Bind/Execute with a
// row limit reads last_error as NULL, in batches, with the name the client asked
// for; a SELECT * cursor ends with the column, as the migrated table will.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import Cursor from 'pg-cursor'
import { qDirect, withClient, shim } from './helpers.mjs'

function read(cursor, n) {
  return new Promise((resolve, reject) => cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows))))
}

test('pg-cursor reads last_error as NULL in batches', async () => {
  const ids = (await qDirect('SELECT id FROM environments ORDER BY id')).map((r) => r.id)
  assert.ok(ids.length >= 3, 'the fixture has rows')
  await withClient(shim, async (c) => {
    const cursor = c.query(new Cursor('SELECT "id", "last_error" AS "lastError" FROM "public"."environments" WHERE "id" = ANY($1) ORDER BY "id"', [ids]))
    const first = await read(cursor, 2)
    const rest = await read(cursor, 100)
    await new Promise((resolve) => cursor.close(resolve))
    assert.deepEqual([...first, ...rest], ids.map((id) => ({ id, lastError: null })))
  })
})

test('pg-cursor over SELECT * gets last_error last', async () => {
  const columns = (await qDirect("SELECT column_name FROM information_schema.columns WHERE table_name = 'environments' ORDER BY ordinal_position")).map((r) => r.column_name)
  await withClient(shim, async (c) => {
    const cursor = c.query(new Cursor('SELECT * FROM environments ORDER BY id'))
    const rows = await read(cursor, 1)
    await new Promise((resolve) => cursor.close(resolve))
    assert.deepEqual(Object.keys(rows[0]), [...columns, 'last_error'])
    assert.equal(rows[0].last_error, null)
  })
})
