// The incident, replayed with node-postgres (issue 4, "Proof"): the database's
// `environments` lacks `last_error`, the application's Prisma-shaped SQL uses it.
// Through pgshim:
//   1. every statement of prisma-environments.sql succeeds — as named prepared
//      statements reused with new values (Parse once, then Bind/Execute), the way
//      Prisma's engines send them — reads give NULL for last_error, row counts are
//      right, every other value is stored (checked on PostgreSQL directly);
//   2. with 3 connections still querying every ~20 ms (one of them through named
//      statements prepared before the switch), `ALTER TABLE environments ADD COLUMN
//      last_error TEXT` runs directly: no client sees an error, within ~2 s writes of
//      last_error through pgshim are stored (also through the statements prepared
//      while the column was missing) and read back, and pgshim logs "present".
// The tests in this file run in order and share the database.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  connect, qDirect, fixture, logText, journalLines, sleep, waitFor, pollMs, checkObservability,
} from './helpers.mjs'

const kSwitchBoundMs = 2000 // "within one poll interval" (300 ms) plus generous slack for a shared CI box

const createSql = fixture('create (')
const findUniqueSql = fixture('read-back / findUnique')
const findManySql = fixture('findMany with a filter')
const updateAloneSql = fixture('update of the pending column alone')
const updateWithSql = fixture('update together with other columns')
const createManySql = fixture('createMany')
const upsertSql = fixture('native upsert')
const deleteSql = fixture('delete returning')
const relationSql = fixture('relationJoins')
const jobsSql = fixture('a same-named column on another table')
const handWrittenSql = fixture('hand-written SQL')
const multiSql = fixture('several statements in one simple Query')

const clients = []
after(async () => {
  for (const c of clients) await c.end().catch(() => {})
})
async function open() {
  const c = await connect()
  clients.push(c)
  return c
}

const t1 = new Date('2025-08-04T02:00:00.000Z')
const t2 = new Date('2025-08-04T03:00:00.000Z')
const t3 = new Date('2025-08-04T04:00:00.000Z')

test('while last_error is missing: the Prisma-shaped SQL succeeds through pgshim, reads give NULL', async () => {
  const before = await qDirect(
    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'environments' AND column_name = 'last_error'")
  assert.equal(before[0].n, 0, 'the database must lack environments.last_error')
  const log = await waitFor('the MISSING warning in pgshim log', () => /pending column public\.environments\.last_error is MISSING/.test(logText()), 5000)
  assert.ok(log)

  const c = await open()

  // create, as a named statement reused (Parse once, Bind twice).
  let r = await c.query({ name: 's_create', text: createSql, values: ['env_new1', 'dev', 'user_2', 'tpl_2', 'RUNNING', 'first error', t1, t1] })
  assert.deepEqual(r.rows, [{ id: 'env_new1' }])
  assert.equal(r.rowCount, 1)
  r = await c.query({ name: 's_create', text: createSql, values: ['env_new2', 'qa', 'user_2', null, 'PENDING', null, t1, t2] })
  assert.deepEqual(r.rows, [{ id: 'env_new2' }])
  // The same statement unnamed (Parse each time).
  r = await c.query({ text: createSql, values: ['env_new3', 'demo', 'user_1', 'tpl_1', 'STOPPED', 'x', t2, t2] })
  assert.deepEqual(r.rows, [{ id: 'env_new3' }])
  let d = await qDirect(
    "SELECT id, name, user_id, template_id, status::text, created_at, updated_at FROM environments WHERE id LIKE 'env_new%' ORDER BY id")
  assert.deepEqual(d, [
    { id: 'env_new1', name: 'dev', user_id: 'user_2', template_id: 'tpl_2', status: 'RUNNING', created_at: t1, updated_at: t1 },
    { id: 'env_new2', name: 'qa', user_id: 'user_2', template_id: null, status: 'PENDING', created_at: t1, updated_at: t2 },
    { id: 'env_new3', name: 'demo', user_id: 'user_1', template_id: 'tpl_1', status: 'STOPPED', created_at: t2, updated_at: t2 },
  ])

  // findUnique (read-back), reused.
  for (const [id, name, status] of [['env_new1', 'dev', 'RUNNING'], ['env_1', 'staging', 'RUNNING']]) {
    r = await c.query({ name: 's_find', text: findUniqueSql, values: [id, 1, 0] })
    assert.equal(r.rows.length, 1, `findUnique ${id}`)
    assert.equal(r.rows[0].id, id)
    assert.equal(r.rows[0].name, name)
    assert.equal(r.rows[0].status, status)
    assert.equal(r.rows[0].last_error, null)
    assert.deepEqual(r.fields.map((f) => f.name), ['id', 'name', 'user_id', 'template_id', 'status', 'last_error', 'created_at', 'updated_at'])
  }

  // findMany with `last_error IS NULL`: every environment of the user (the column is NULL for all).
  r = await c.query({ name: 's_many', text: findManySql, values: ['user_1', 0] })
  assert.deepEqual(r.rows.map((x) => x.id).sort(), ['env_1', 'env_2', 'env_new3'])
  assert.ok(r.rows.every((x) => x.last_error === null))
  r = await c.query({ name: 's_many', text: findManySql, values: ['user_2', 0] })
  assert.deepEqual(r.rows.map((x) => x.id).sort(), ['env_3', 'env_new1', 'env_new2'])

  // update of last_error alone: the row is still matched and returned.
  for (const id of ['env_1', 'env_2']) {
    r = await c.query({ name: 's_upd_alone', text: updateAloneSql, values: [`failed ${id}`, id] })
    assert.equal(r.rowCount, 1, `update alone ${id}`)
    assert.equal(r.rows.length, 1)
    assert.equal(r.rows[0].id, id)
    assert.equal(r.rows[0].last_error, null)
  }
  r = await c.query({ name: 's_upd_alone', text: updateAloneSql, values: ['nobody', 'env_nope'] })
  assert.equal(r.rowCount, 0, 'update alone of a missing id')

  // update of last_error with other columns: the others are stored.
  r = await c.query({ name: 's_upd_with', text: updateWithSql, values: ['FAILED', 'boom', t3, 'env_2'] })
  assert.equal(r.rowCount, 1)
  assert.deepEqual(r.rows, [{ id: 'env_2', name: 'preview', last_error: null }])
  r = await c.query({ name: 's_upd_with', text: updateWithSql, values: ['STOPPED', 'bang', t3, 'env_new2'] })
  assert.deepEqual(r.rows, [{ id: 'env_new2', name: 'qa', last_error: null }])
  d = await qDirect("SELECT id, status::text, updated_at FROM environments WHERE id IN ('env_2', 'env_new2') ORDER BY id")
  assert.deepEqual(d, [
    { id: 'env_2', status: 'FAILED', updated_at: t3 },
    { id: 'env_new2', status: 'STOPPED', updated_at: t3 },
  ])

  // createMany.
  r = await c.query({ name: 's_create_many', text: createManySql, values: ['env_cm1', 'cm one', 'user_1', 'tpl_1', 'e1', 'env_cm2', 'cm two', 'user_2', null, null] })
  assert.equal(r.rowCount, 2)
  r = await c.query({ name: 's_create_many', text: createManySql, values: ['env_cm3', 'cm three', 'user_1', 'tpl_2', null, 'env_cm4', 'cm four', 'user_1', null, 'e4'] })
  assert.equal(r.rowCount, 2)
  d = await qDirect("SELECT id, name, user_id, template_id FROM environments WHERE id LIKE 'env_cm%' ORDER BY id")
  assert.deepEqual(d, [
    { id: 'env_cm1', name: 'cm one', user_id: 'user_1', template_id: 'tpl_1' },
    { id: 'env_cm2', name: 'cm two', user_id: 'user_2', template_id: null },
    { id: 'env_cm3', name: 'cm three', user_id: 'user_1', template_id: 'tpl_2' },
    { id: 'env_cm4', name: 'cm four', user_id: 'user_1', template_id: null },
  ])

  // upsert: insert, then the conflict path updates updated_at (last_error dropped).
  r = await c.query({ name: 's_upsert', text: upsertSql, values: ['env_up1', 'upserted', 'user_2', 'tpl_1', 'u1', 'u1 again', t2, 'env_up1'] })
  assert.deepEqual(r.rows, [{ id: 'env_up1', last_error: null }])
  r = await c.query({ name: 's_upsert', text: upsertSql, values: ['env_up1', 'upserted', 'user_2', 'tpl_1', 'u2', 'u2 again', t3, 'env_up1'] })
  assert.deepEqual(r.rows, [{ id: 'env_up1', last_error: null }])
  d = await qDirect("SELECT name, user_id, template_id, updated_at FROM environments WHERE id = 'env_up1'")
  assert.deepEqual(d, [{ name: 'upserted', user_id: 'user_2', template_id: 'tpl_1', updated_at: t3 }])

  // relationJoins: the user with its environments as JSON, lastError null.
  r = await c.query({ name: 's_rel', text: relationSql, values: ['user_1'] })
  assert.equal(r.rows.length, 1)
  assert.equal(r.rows[0].email, 'ada@example.com')
  const envs = r.rows[0].environments
  assert.deepEqual(envs.map((e) => e.id).sort(), ['env_1', 'env_2', 'env_cm1', 'env_cm3', 'env_cm4', 'env_new3'])
  assert.ok(envs.every((e) => 'lastError' in e && e.lastError === null), JSON.stringify(envs))

  // delete returning the whole record, reused.
  r = await c.query({ name: 's_delete', text: deleteSql, values: ['env_cm2'] })
  assert.deepEqual(r.rows, [{ id: 'env_cm2', name: 'cm two', last_error: null }])
  r = await c.query({ name: 's_delete', text: deleteSql, values: ['env_cm4'] })
  assert.deepEqual(r.rows, [{ id: 'env_cm4', name: 'cm four', last_error: null }])
  r = await c.query({ name: 's_delete', text: deleteSql, values: ['env_cm4'] })
  assert.equal(r.rowCount, 0)
  d = await qDirect("SELECT id FROM environments WHERE id IN ('env_cm2', 'env_cm4')")
  assert.deepEqual(d, [])

  // jobs.last_error exists: never touched.
  r = await c.query(jobsSql)
  assert.deepEqual(r.rows, [{ id: 'job_2', last_error: 'image pull failed' }])

  // hand-written, unqualified, mixed case, aliased: every environment, err NULL.
  r = await c.query(handWrittenSql)
  const all = await qDirect('SELECT id FROM environments ORDER BY id')
  assert.deepEqual(r.rows.map((x) => x.id).sort(), all.map((x) => x.id))
  assert.ok(r.rows.every((x) => x.err === null))

  // several statements in one simple Query.
  const multi = await c.query(multiSql)
  assert.ok(Array.isArray(multi) && multi.length === 3, 'three results')
  assert.equal(multi[1].command, 'UPDATE')
  assert.equal(multi[1].rowCount, 1)
  d = await qDirect("SELECT status::text FROM environments WHERE id = 'env_1'")
  assert.deepEqual(d, [{ status: 'FAILED' }])

  // The session and a second one are still fine.
  assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }])
  const c2 = await open()
  r = await c2.query({ name: 's_find', text: findUniqueSql, values: ['env_up1', 1, 0] })
  assert.equal(r.rows[0].last_error, null)

  // The dropped writes were journaled, with their values where the statement gave them.
  const journal = journalLines()
  assert.ok(journal.length > 0, 'the journal has dropped writes')
  const text = JSON.stringify(journal)
  assert.match(text, /last_error/)
  assert.match(text, /failed env_1/)

  await checkObservability('missing', { rewritten: true, droppedWrites: journal.length })
})

test('ALTER TABLE ADD COLUMN with clients running: no client error, writes stored within ~2 s', async () => {
  const a = await open() // named statements prepared (and rewritten) before the switch
  const b = await open() // unnamed extended-protocol statements
  const s = await open() // simple Query protocol

  // Prepare the named statements while the column is missing.
  let r = await a.query({ name: 'sw_upd', text: updateAloneSql, values: ['before switch', 'env_3'] })
  assert.deepEqual(r.rows, [{ id: 'env_3', status: 'RUNNING', last_error: null }])
  r = await a.query({ name: 'sw_find', text: findUniqueSql, values: ['env_3', 1, 0] })
  assert.equal(r.rows[0].last_error, null)
  assert.equal((await qDirect("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'environments' AND column_name = 'last_error'"))[0].n, 0)

  const errors = []
  const stats = { a: 0, b: 0, s: 0 }
  const seen = { aStored: null, aRead: null } // first time a's write came back through RETURNING / findUnique
  let stop = false
  let switchedAt = 0

  const loop = async (name, c, body) => {
    let n = 0
    while (!stop) {
      n++
      try {
        await body(c, n)
        stats[name]++
      } catch (err) {
        errors.push({ conn: name, n, at: switchedAt ? Date.now() - switchedAt : 'before', code: err.code, message: err.message })
      }
      await sleep(20)
    }
  }
  const loops = [
    loop('a', a, async (c, n) => {
      const value = `a-${n}`
      const u = await c.query({ name: 'sw_upd', text: updateAloneSql, values: [value, 'env_3'] })
      assert.equal(u.rowCount, 1)
      if (u.rows[0].last_error === value && !seen.aStored && switchedAt) seen.aStored = Date.now() - switchedAt
      const f = await c.query({ name: 'sw_find', text: findUniqueSql, values: ['env_3', 1, 0] })
      assert.equal(f.rows.length, 1)
      if (f.rows[0].last_error === value && !seen.aRead && switchedAt) seen.aRead = Date.now() - switchedAt
    }),
    loop('b', b, async (c, n) => {
      await c.query({ text: findManySql, values: ['user_2', 0] })
      const u = await c.query({ text: upsertSql, values: ['env_up1', 'upserted', 'user_2', 'tpl_1', `b-${n}`, `b-${n}`, new Date(), 'env_up1'] })
      assert.equal(u.rows.length, 1)
    }),
    loop('s', s, async (c, n) => {
      await c.query('SELECT e.id, e.last_error FROM environments e WHERE e.last_error IS NULL ORDER BY e.id')
      const u = await c.query(`UPDATE environments SET last_error = 's-${n}', updated_at = now() WHERE id = 'env_new1'`)
      assert.equal(u.rowCount, 1)
    }),
  ]

  await sleep(600) // the loops run against the missing column first
  const statsBefore = { ...stats }
  await qDirect('ALTER TABLE environments ADD COLUMN last_error TEXT')
  switchedAt = Date.now()

  let storedAfter
  try {
    // A write of last_error through pgshim is stored: through a's statement prepared before the switch,
    // b's unnamed statements and s's simple queries.
    storedAfter = await waitFor('writes of last_error through pgshim to be stored', async () => {
      const rows = await qDirect("SELECT id, last_error FROM environments WHERE id IN ('env_3', 'env_up1', 'env_new1') ORDER BY id")
      const v = Object.fromEntries(rows.map((x) => [x.id, x.last_error]))
      return /^a-\d+$/.test(v.env_3 ?? '') && /^b-\d+$/.test(v.env_up1 ?? '') && /^s-\d+$/.test(v.env_new1 ?? '') && Date.now() - switchedAt
    }, 10000)
    await waitFor('a write returned and read back through the statements prepared before the switch', () => seen.aStored && seen.aRead, 10000)
    await sleep(600) // and the clients keep running after the switch
  } finally {
    stop = true
    await Promise.all(loops)
  }

  const logNow = logText()
  assert.match(logNow, /pending column public\.environments\.last_error is present/, "pgshim's log says present")
  assert.deepEqual(errors, [], 'no client saw an error during or after the switch')
  assert.ok(statsBefore.a > 3 && statsBefore.b > 3 && statsBefore.s > 3, `the loops ran before the switch: ${JSON.stringify(statsBefore)}`)
  assert.ok(stats.a - statsBefore.a > 3 && stats.b - statsBefore.b > 3 && stats.s - statsBefore.s > 3,
    `the loops kept running after the switch: before ${JSON.stringify(statsBefore)}, end ${JSON.stringify(stats)}`)
  console.log(`switch: writes stored ${storedAfter} ms after the ALTER (poll ${pollMs} ms); through the old prepared statement: returned after ${seen.aStored} ms, read after ${seen.aRead} ms; iterations ${JSON.stringify(stats)}`)
  assert.ok(storedAfter <= kSwitchBoundMs, `writes stored only ${storedAfter} ms after the ALTER (bound ${kSwitchBoundMs} ms)`)
  assert.ok(seen.aStored <= kSwitchBoundMs, `the prepared statement's write came back only after ${seen.aStored} ms`)

  // A fresh write through pgshim after the switch is stored and read back as written.
  r = await a.query({ name: 'sw_upd', text: updateAloneSql, values: ['after switch', 'env_1'] })
  assert.deepEqual(r.rows, [{ id: 'env_1', status: 'FAILED', last_error: 'after switch' }])
  r = await b.query({ text: createSql, values: ['env_after', 'after', 'user_1', null, 'FAILED', 'stored error', t3, t3] })
  assert.equal(r.rowCount, 1)
  assert.deepEqual(await qDirect("SELECT last_error, status::text FROM environments WHERE id IN ('env_1', 'env_after') ORDER BY id"),
    [{ last_error: 'after switch', status: 'FAILED' }, { last_error: 'stored error', status: 'FAILED' }])
  r = await s.query("SELECT id FROM environments WHERE last_error IS NULL AND id = 'env_after'")
  assert.equal(r.rowCount, 0, 'the filter on last_error is no longer rewritten')
  r = await b.query({ text: relationSql, values: ['user_1'] })
  const env1 = r.rows[0].environments.find((e) => e.id === 'env_1')
  assert.equal(env1.lastError, 'after switch')

  await checkObservability('present')
})
