// The incident, replayed on the reactive path (issue 4): `last_error` is missing
// from the start but the schema watcher cannot tell — run.sh gave both pgshims a
// wrong password in the upstream URL, so the column's state stays Unknown and
// only the server's 42703 reveals it. Clients log in with their own (right)
// credentials through pgshim.
//   - pgshim A, outside a transaction block: the first INSERT with last_error fails
//     upstream with 42703, pgshim replays it rewritten and the client sees success
//     (the row is stored, the log says replayed); the next one is rewritten at
//     once (no second replay), as is a simple Query.
//   - pgshim B (fresh, still Unknown), inside BEGIN ... COMMIT: the first failure
//     is relayed as it is (SQLSTATE 42703) — nothing can be replayed inside a
//     transaction block — but it marks the column missing, so the retried
//     transaction then succeeds.
//   - pgshims C and D (fresh): a multi-statement simple Query, and a named prepared
//     statement (its Parse fails), outside a transaction block, are replayed.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  connect, shim, shim2, shim3, shim4, qDirect, sleep, pollMs, fixture, logText, countMatches, rejectionOf, waitFor, checkObservability,
} from './helpers.mjs'

const createSql = fixture('create (')
const findUniqueSql = fixture('read-back / findUnique')
const kReplayed = /replayed it rewritten; the client saw no error/
const kRelayed = /failed with 42703 on a pending column and was relayed to the client/
const kMissing = /pending column public\.environments\.last_error is MISSING/
const kMissingReported = /pending column public\.environments\.last_error is MISSING from the database \(reported by the server\)/

const clients = []
after(async () => {
  for (const c of clients) await c.end().catch(() => {})
})
async function open(settings) {
  const c = await connect(settings)
  clients.push(c)
  return c
}
const now = new Date('2025-08-04T02:08:10.000Z')

test('the watcher cannot check the catalog: the column starts Unknown on every pgshim', async () => {
  assert.ok(shim2, 'run.sh must start a second pgshim for the reactive test (INCIDENT_PORT2)')
  for (const file of [1, 2, 3, 4].map((i) => process.env[i === 1 ? 'INCIDENT_LOG' : `INCIDENT_LOG${i}`])) {
    const log = await waitFor(`the watcher's failure in ${file}`, () => {
      const t = logText(file)
      return /schema watcher: cannot check the database/.test(t) && t
    }, 5000)
    assert.doesNotMatch(log, kMissing, 'the column must not be known missing yet')
    assert.doesNotMatch(log, /is present/)
  }
  // Clients still get through with their own credentials.
  const c = await open(shim)
  assert.deepEqual((await c.query('SELECT current_user AS u')).rows, [{ u: 'pgshim_scram' }])
})

test('outside a transaction block: the 42703 is replayed rewritten, the client sees no error', async () => {
  const c = await open(shim)
  // Extended protocol, unnamed (Parse/Bind/Describe/Execute/Sync in one batch).
  const r = await c.query({ text: createSql, values: ['env_r1', 'reactive one', 'user_1', 'tpl_1', 'FAILED', 'lost error', now, now] })
  assert.deepEqual(r.rows, [{ id: 'env_r1' }])
  assert.equal(r.rowCount, 1)
  assert.deepEqual(await qDirect("SELECT name, status::text FROM environments WHERE id = 'env_r1'"), [{ name: 'reactive one', status: 'FAILED' }])

  let log = logText()
  assert.equal(countMatches(log, kReplayed), 1, 'the log shows one replay')
  assert.match(log, kMissingReported, 'the column is now known missing (reported by the server)')
  await checkObservability('missing', { reactive: true })

  // The next statements are rewritten at once: no new replay.
  const r2 = await c.query({ text: createSql, values: ['env_r2', 'reactive two', 'user_2', null, 'RUNNING', 'lost again', now, now] })
  assert.deepEqual(r2.rows, [{ id: 'env_r2' }])
  const r3 = await c.query({ name: 's_find', text: findUniqueSql, values: ['env_r2', 1, 0] })
  assert.equal(r3.rows.length, 1)
  assert.equal(r3.rows[0].last_error, null)
  const r4 = await c.query("UPDATE environments SET last_error = 'simple', status = 'STOPPED' WHERE id = 'env_r2'")
  assert.equal(r4.rowCount, 1)
  // A second connection, in a transaction block, is rewritten as well.
  const c2 = await open(shim)
  await c2.query('BEGIN')
  const r5 = await c2.query({ text: createSql, values: ['env_r3', 'reactive three', 'user_2', null, 'PENDING', 'in tx', now, now] })
  assert.equal(r5.rowCount, 1)
  await c2.query('COMMIT')
  assert.deepEqual(await qDirect("SELECT id, status::text FROM environments WHERE id IN ('env_r2', 'env_r3') ORDER BY id"),
    [{ id: 'env_r2', status: 'STOPPED' }, { id: 'env_r3', status: 'PENDING' }])
  log = logText()
  assert.equal(countMatches(log, kReplayed), 1, 'no second replay: the statements were rewritten before they were sent')
  assert.equal(countMatches(log, kRelayed), 0, 'no 42703 relayed on pgshim A')

  // The watcher keeps failing every poll: the column must stay known missing.
  await sleep(4 * pollMs)
  const r6 = await c.query({ text: createSql, values: ['env_r4', 'reactive four', 'user_1', null, 'RUNNING', 'later', now, now] })
  assert.deepEqual(r6.rows, [{ id: 'env_r4' }])
  log = logText()
  assert.equal(countMatches(log, kReplayed), 1, 'still one replay after several failed polls (the column stayed missing)')
  assert.doesNotMatch(log, /last_error: state unknown/, 'a failed poll must not forget what the server reported')
})

test('inside a transaction block (fresh pgshim B): the first 42703 is relayed, the retry succeeds', async () => {
  const c = await open(shim2)
  await c.query('BEGIN')
  await c.query("UPDATE environments SET updated_at = now() WHERE id = 'env_3'")
  const err = await rejectionOf(
    c.query({ text: createSql, values: ['env_t1', 'in tx', 'user_1', null, 'RUNNING', 'err', now, now] }),
    'INSERT with last_error inside BEGIN')
  assert.equal(err.code, '42703', `expected SQLSTATE 42703, got ${err.code}: ${err.message}`)
  assert.match(err.message, /last_error/)
  // The transaction is aborted, as PostgreSQL itself would leave it.
  const aborted = await rejectionOf(c.query('SELECT 1'), 'a statement in the aborted transaction')
  assert.equal(aborted.code, '25P02')
  await c.query('ROLLBACK')
  assert.deepEqual(await qDirect("SELECT id FROM environments WHERE id = 'env_t1'"), [])

  const log = logText(process.env.INCIDENT_LOG2)
  assert.match(log, kRelayed, "pgshim B's log says the 42703 was relayed")
  assert.equal(countMatches(log, kReplayed), 0, 'nothing replayed on pgshim B')
  assert.match(log, kMissingReported, 'the relayed 42703 still marked the column missing')

  // The application retries the transaction: now rewritten, it succeeds.
  await c.query('BEGIN')
  const r = await c.query({ text: createSql, values: ['env_t1', 'in tx', 'user_1', null, 'RUNNING', 'err', now, now] })
  assert.deepEqual(r.rows, [{ id: 'env_t1' }])
  await c.query('COMMIT')
  assert.deepEqual(await qDirect("SELECT name FROM environments WHERE id = 'env_t1'"), [{ name: 'in tx' }])
})

test('outside a transaction block (fresh pgshim C): a simple Query is replayed', async () => {
  assert.ok(shim3, 'run.sh must start a third pgshim for the reactive test (INCIDENT_PORT3)')
  const file = process.env.INCIDENT_LOG3
  const c = await open(shim3)
  // Simple Query protocol, several statements in one message, no BEGIN: replayed rewritten.
  const r = await c.query("UPDATE environments SET last_error = 'simple', status = 'STOPPED' WHERE id = 'env_3'; SELECT id, last_error FROM environments WHERE id = 'env_3'")
  assert.ok(Array.isArray(r) && r.length === 2, 'two results')
  assert.equal(r[0].rowCount, 1)
  assert.deepEqual(r[1].rows, [{ id: 'env_3', last_error: null }])
  assert.deepEqual(await qDirect("SELECT status::text FROM environments WHERE id = 'env_3'"), [{ status: 'STOPPED' }])
  assert.equal(countMatches(logText(file), kReplayed), 1, 'the simple Query was replayed')
  assert.equal(countMatches(logText(file), kRelayed), 0, 'nothing relayed on pgshim C')
})

test('outside a transaction block (fresh pgshim D): a named prepared statement is replayed, then reused', async () => {
  assert.ok(shim4, 'run.sh must start a fourth pgshim for the reactive test (INCIDENT_PORT4)')
  const file = process.env.INCIDENT_LOG4
  const c = await open(shim4)
  // Its Parse fails upstream with 42703; the whole batch up to Sync is replayed rewritten.
  let r = await c.query({ name: 's_find', text: findUniqueSql, values: ['env_1', 1, 0] })
  assert.equal(r.rows.length, 1)
  assert.equal(r.rows[0].last_error, null)
  assert.equal(countMatches(logText(file), kReplayed), 1, 'the named statement was replayed')
  // Reused (Bind only): the statement pgshim prepared rewritten is used.
  r = await c.query({ name: 's_find', text: findUniqueSql, values: ['env_2', 1, 0] })
  assert.equal(r.rows[0].name, 'preview')
  assert.equal(r.rows[0].last_error, null)
  assert.equal(countMatches(logText(file), kReplayed), 1, 'no second replay on pgshim D')
  assert.equal(countMatches(logText(file), kRelayed), 0, 'nothing relayed on pgshim D')
})
