// Proves that COPY FROM STDIN and COPY TO STDOUT (pg-copy-streams) round-trip
// 5000 rows byte for byte through the target, that a bad row fails the COPY with
// 22P02 and keeps nothing, and that the session is usable afterwards.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { withClient, scratchDatabase, rejectionOf } from './helpers.mjs'

let db
before(async () => { db = await scratchDatabase('copy') })
after(async () => { await db?.drop() })

// COPY text format, as COPY TO prints it: NULLs, escaped tabs, newlines and
// backslashes, multi-byte characters.
function copyText(rows) {
  const words = ['plain', 'tab\\there', 'new\\nline', 'back\\\\slash', 'ünïcödé', '日本語', '🐘🚀', '']
  let out = ''
  for (let i = 1; i <= rows; i++) {
    const a = i % 7 === 0 ? '\\N' : `${words[i % words.length]} ${i}`
    const b = i % 5 === 0 ? '\\N' : words[(i * 3) % words.length]
    out += `${i}\t${a}\t${b}\n`
  }
  return out
}

async function copyOut(c, sql) {
  const chunks = []
  await pipeline(c.query(copyTo(sql)), new Writable({
    write(chunk, _enc, done) { chunks.push(chunk); done() },
  }))
  return Buffer.concat(chunks).toString('utf8')
}

test('COPY FROM STDIN / TO STDOUT round trip', async () => {
  await withClient(async (c) => {
    await c.query('CREATE TABLE t (id int PRIMARY KEY, a text, b text)')
    const text = copyText(5000)
    // Many small chunks, each split at arbitrary byte offsets (mid-character too).
    const buf = Buffer.from(text, 'utf8')
    const chunks = []
    for (let off = 0; off < buf.length; off += 997) chunks.push(buf.subarray(off, off + 997))
    const stream = c.query(copyFrom('COPY t FROM STDIN'))
    await pipeline(Readable.from(chunks), stream)
    assert.equal(stream.rowCount, 5000)
    const counts = await c.query('SELECT count(*)::int AS n, count(*) FILTER (WHERE a IS NULL)::int AS an FROM t')
    assert.deepEqual(counts.rows, [{ n: 5000, an: 714 }])
    assert.equal(await copyOut(c, 'COPY (SELECT * FROM t ORDER BY id) TO STDOUT'), text)
    const csv = await copyOut(c, "COPY (SELECT * FROM t WHERE id <= 3 ORDER BY id) TO STDOUT WITH (FORMAT csv)")
    assert.equal(csv, '1,tab\there 1,back\\slash\n2,"new\nline 2",🐘🚀\n3,back\\slash 3,tab\there\n')
  }, { database: db.name })
})

test('a bad COPY row fails with 22P02 and the session recovers', async () => {
  await withClient(async (c) => {
    await c.query('CREATE TABLE u (id int, v text)')
    const stream = c.query(copyFrom('COPY u FROM STDIN'))
    const err = await rejectionOf(pipeline(Readable.from(['1\tok\n', 'two\tbad\n']), stream), 'bad COPY row')
    assert.equal(err.code, '22P02')
    assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM u')).rows, [{ n: 0 }])
  }, { database: db.name })
})
