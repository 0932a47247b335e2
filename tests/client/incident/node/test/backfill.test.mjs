// Nothing lost, proved with node-postgres (issue: "Tests against a real
// PostgreSQL, through real clients"): while environments.last_error is missing,
// the application's Prisma-shaped create / createMany / update / upsert / delete
// (named statements, extended protocol, parameters) go through TWO pgshim
// replicas at once, each journaling what it dropped; then the migration, a value
// the application writes after it, and `pgshim backfill --format json` over both
// journals:
//   - before the migration it changes nothing and says the column is missing;
//   - after it, every value the database would hold had the migration run first
//     is there (last write wins within a replica by order, across replicas by
//     time), the value written after the migration is kept, a row deleted since
//     is left alone — exact counts, values checked on PostgreSQL itself;
//   - a second run applies nothing;
//   - a torn last line (a crash mid-write) is reported with its place, the run
//     exits 1, and every other record is still accounted for.
// The tests in this file run in order and share the database (run.sh backfill_node).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {
  connect, qDirect, fixture, logText, shim, shim2, sleep, waitFor,
} from './helpers.mjs'

const env = process.env
for (const name of ['INCIDENT_PORT2', 'INCIDENT_LOG2', 'INCIDENT_JOURNAL_DIR', 'INCIDENT_JOURNAL',
  'INCIDENT_JOURNAL2', 'INCIDENT_UPSTREAM', 'PGSHIM_BIN']) {
  if (!env[name]) throw new Error(`${name} is not set: run through tests/client/incident/run.sh backfill_node`)
}
const kBackfillTimeoutMs = 60000 // one `pgshim backfill` run, killed past it
const kSwitchTimeoutMs = 10000 // both replicas see the column (poll 300 ms)

const createSql = fixture('create (')
const findUniqueSql = fixture('read-back / findUnique')
const updateAloneSql = fixture('update of the pending column alone')
const updateWithSql = fixture('update together with other columns')
const createManySql = fixture('createMany')
const upsertSql = fixture('native upsert')
const deleteSql = fixture('delete returning')
const multiSql = fixture('several statements in one simple Query')

const clients = []
after(async () => {
  for (const c of clients) await c.end().catch(() => {})
})
async function open(settings) {
  const c = await connect(settings)
  clients.push(c)
  return c
}

// backfill(...args): `pgshim backfill --journal DIR --upstream URL --format json ARGS`,
// bounded; its exit status and parsed report.
function backfill(...args) {
  const argv = ['backfill', '--journal', env.INCIDENT_JOURNAL_DIR, '--upstream', env.INCIDENT_UPSTREAM,
    '--format', 'json', ...args]
  const r = spawnSync(env.PGSHIM_BIN, argv, { encoding: 'utf8', timeout: kBackfillTimeoutMs, killSignal: 'SIGKILL' })
  assert.equal(r.error, undefined, `pgshim backfill did not finish: ${r.error}`)
  let report
  try {
    report = JSON.parse(r.stdout)
  } catch (err) {
    throw new Error(`pgshim backfill printed no JSON (status ${r.status}): ${r.stdout}\n${r.stderr}`)
  }
  return { status: r.status, report, stderr: r.stderr }
}

const kCounts = ['applied', 'already', 'superseded', 'newer', 'gone', 'unrecoverable', 'torn', 'invalid', 'errors']
const counts = (report) => Object.fromEntries(kCounts.map((k) => [k, report[k]]))

const journal = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))

async function lastErrors() {
  const rows = await qDirect('SELECT id, last_error FROM environments ORDER BY id')
  return Object.fromEntries(rows.map((r) => [r.id, r.last_error]))
}

const t1 = new Date('2025-08-04T02:00:00.000Z')
const t2 = new Date('2025-08-04T03:00:00.000Z')

// What the database holds had the migration run before any of the writes below.
const expected = {
  env_1: 'b second', // three writes: A's simple Query, A's update, then B's update (latest)
  env_2: 'after migration', // B wrote 'boom'; the application wrote this after the migration
  env_3: 'third two', // two updates through A, the second wins
  env_n1: 'upsert same', // A's create, then A's upsert hitting the row
  env_n2: null, // B's create with last_error null
  env_m1: 'many one', // B's createMany
  env_m2: 'many two',
  env_u1: 'upsert new', // B's upsert inserting the row
  // env_d: created through A with 'doomed', deleted through B: gone
}

test('while last_error is missing: Prisma-shaped writes through two replicas succeed and are journaled', async () => {
  const missing = await qDirect(
    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'environments' AND column_name = 'last_error'")
  assert.equal(missing[0].n, 0, 'the database must lack environments.last_error')
  for (const log of [env.INCIDENT_LOG, env.INCIDENT_LOG2]) {
    await waitFor(`the MISSING warning in ${log}`, () => /public\.environments\.last_error is MISSING/.test(logText(log)), kSwitchTimeoutMs)
  }
  const a = await open(shim)
  const b = await open(shim2)

  // A: several statements in one simple Query (BEGIN; UPDATE env_1 ... 'boom'; COMMIT).
  await a.query(multiSql)
  // A then B on the same row: B's is later and wins across replicas.
  let r = await a.query({ name: 'upd_alone', text: updateAloneSql, values: ['a first', 'env_1'] })
  assert.deepEqual(r.rows, [{ id: 'env_1', status: 'FAILED', last_error: null }])
  await sleep(20) // distinct milliseconds across the replicas
  r = await b.query({ name: 'upd_alone', text: updateAloneSql, values: ['b second', 'env_1'] })
  assert.equal(r.rowCount, 1)
  // Twice through A, the same named statement: the later one (by seq) wins.
  await a.query({ name: 'upd_alone', text: updateAloneSql, values: ['third one', 'env_3'] })
  await a.query({ name: 'upd_alone', text: updateAloneSql, values: ['third two', 'env_3'] })
  // B: update together with other columns.
  r = await b.query({ name: 'upd_with', text: updateWithSql, values: ['FAILED', 'boom', t2, 'env_2'] })
  assert.deepEqual(r.rows, [{ id: 'env_2', name: 'preview', last_error: null }])

  // Creates: A with a value, B with null.
  r = await a.query({ name: 'create', text: createSql, values: ['env_n1', 'one', 'user_1', 'tpl_1', 'RUNNING', 'create a', t1, t1] })
  assert.deepEqual(r.rows, [{ id: 'env_n1' }])
  r = await b.query({ name: 'create', text: createSql, values: ['env_n2', 'two', 'user_2', null, 'PENDING', null, t1, t1] })
  assert.deepEqual(r.rows, [{ id: 'env_n2' }])
  // createMany through B.
  r = await b.query({ name: 'create_many', text: createManySql, values: ['env_m1', 'm one', 'user_1', 'tpl_1', 'many one', 'env_m2', 'm two', 'user_2', null, 'many two'] })
  assert.equal(r.rowCount, 2)
  // Upserts with the same lastError in create and update (Prisma binds both):
  // A's hits env_n1 (DO UPDATE ran), B's inserts env_u1.
  r = await a.query({ name: 'upsert', text: upsertSql, values: ['env_n1', 'one', 'user_1', 'tpl_1', 'upsert same', 'upsert same', t2, 'env_n1'] })
  assert.deepEqual(r.rows, [{ id: 'env_n1', last_error: null }])
  r = await b.query({ name: 'upsert', text: upsertSql, values: ['env_u1', 'u', 'user_2', null, 'upsert new', 'upsert new', t2, 'env_u1'] })
  assert.deepEqual(r.rows, [{ id: 'env_u1', last_error: null }])
  // A row created through A, deleted through B before the migration.
  await a.query({ name: 'create', text: createSql, values: ['env_d', 'doomed', 'user_1', null, 'PENDING', 'doomed', t1, t1] })
  r = await b.query({ name: 'delete', text: deleteSql, values: ['env_d'] })
  assert.deepEqual(r.rows, [{ id: 'env_d', name: 'doomed', last_error: null }])

  // Each replica journaled its own records, under its own --replica-id.
  const ja = journal(env.INCIDENT_JOURNAL)
  const jb = journal(env.INCIDENT_JOURNAL2)
  assert.ok(ja.every((x) => x.replica === env.INCIDENT_REPLICA && x.column === 'last_error'), JSON.stringify(ja))
  assert.ok(jb.every((x) => x.replica === env.INCIDENT_REPLICA2 && x.column === 'last_error'), JSON.stringify(jb))
  // An upsert journals only the branch that ran (pgshim reads it from the row
  // RETURNING gives back): DO UPDATE for A's, the insert for B's.
  assert.deepEqual(ja.map((x) => x.value), ['boom', 'a first', 'third one', 'third two', 'create a', 'upsert same', 'doomed'])
  assert.deepEqual(ja.map((x) => x.kind).slice(5, 6), ['on-conflict-assignment'])
  assert.deepEqual(jb.map((x) => x.value), ['b second', 'boom', null, 'many one', 'many two', 'upsert new'])
  assert.deepEqual(jb.map((x) => x.kind).slice(5), ['insert-value'])
  // No value reached the table (there is no column), every other value did.
  const rows = await qDirect("SELECT id, name, status::text FROM environments WHERE id IN ('env_n1', 'env_u1', 'env_d') ORDER BY id")
  assert.deepEqual(rows, [{ id: 'env_n1', name: 'one', status: 'RUNNING' }, { id: 'env_u1', name: 'u', status: 'PENDING' }])
})

test('backfill before the migration changes nothing and says the column is missing', async () => {
  const { status, report } = backfill()
  assert.equal(status, 1, JSON.stringify(report))
  assert.deepEqual(report.missing_columns, ['public.environments.last_error'])
  assert.equal(report.records, 13)
  assert.equal(report.applied, 0)
})

test('after the migration, with a value written since: backfill restores exactly the values the migrated database would hold', async () => {
  await qDirect('ALTER TABLE environments ADD COLUMN last_error TEXT')
  for (const log of [env.INCIDENT_LOG, env.INCIDENT_LOG2]) {
    await waitFor(`"present" in ${log}`, () => /public\.environments\.last_error is present/.test(logText(log)), kSwitchTimeoutMs)
  }
  // The application, through replica A (now a plain proxy), writes env_2's value.
  const a = await open(shim)
  const r = await a.query({ name: 'upd_alone_after', text: updateAloneSql, values: ['after migration', 'env_2'] })
  assert.deepEqual(r.rows, [{ id: 'env_2', status: 'FAILED', last_error: 'after migration' }])

  // A dry run changes nothing.
  const dry = backfill('--dry-run')
  assert.equal(dry.status, 0, JSON.stringify(dry.report))
  assert.equal(dry.report.dry_run, true)
  assert.equal(dry.report.applied, 6)
  assert.deepEqual(Object.entries(await lastErrors()).filter(([, v]) => v !== null), [['env_2', 'after migration']])

  const first = backfill()
  assert.equal(first.status, 0, JSON.stringify(first.report))
  // 13 dropped values and the application's own write of env_2 after the
  // migration, journaled as observed: backfill keeps it (the one 'newer').
  assert.equal(first.report.records, 14)
  assert.equal(first.report.observed, 1)
  assert.deepEqual(first.report.missing_columns, [])
  assert.deepEqual(first.report.problems, [])
  assert.deepEqual(counts(first.report),
    { applied: 6, already: 1, superseded: 4, newer: 1, gone: 1, unrecoverable: 0, torn: 0, invalid: 0, errors: 0 })
  assert.deepEqual(await lastErrors(), expected)

  // The application reads them back through replica B, Prisma's findUnique.
  const b = await open(shim2)
  for (const id of ['env_1', 'env_n1', 'env_u1']) {
    const rows = (await b.query({ name: 'find', text: findUniqueSql, values: [id, 1, 0] })).rows
    assert.equal(rows[0].last_error, expected[id], id)
  }
})

test('a second run is a no-op', async () => {
  const before = await qDirect('SELECT id, xmin::text AS x FROM environments ORDER BY id')
  const second = backfill()
  assert.equal(second.status, 0, JSON.stringify(second.report))
  assert.deepEqual(counts(second.report),
    { applied: 0, already: 7, superseded: 4, newer: 1, gone: 1, unrecoverable: 0, torn: 0, invalid: 0, errors: 0 })
  assert.deepEqual(await lastErrors(), expected)
  // Not even rewritten with the same value: no row has a new version.
  assert.deepEqual(await qDirect('SELECT id, xmin::text AS x FROM environments ORDER BY id'), before)
})

test('a torn last line is reported with its place, the rest still accounted for, exit 1', async () => {
  const lines = journal(env.INCIDENT_JOURNAL2).length
  // A crash in the middle of writing replica B's next record.
  fs.appendFileSync(env.INCIDENT_JOURNAL2, `{"v":2,"replica":"${env.INCIDENT_REPLICA2}","boot":1,"seq":99,"time_un`)
  const torn = backfill()
  assert.equal(torn.status, 1, JSON.stringify(torn.report))
  assert.deepEqual(counts(torn.report),
    { applied: 0, already: 7, superseded: 4, newer: 1, gone: 1, unrecoverable: 0, torn: 1, invalid: 0, errors: 0 })
  assert.equal(torn.report.records, 14)
  assert.equal(torn.report.problems.length, 1, JSON.stringify(torn.report.problems))
  assert.equal(torn.report.problems[0].kind, 'torn')
  assert.equal(torn.report.problems[0].at, `${path.resolve(env.INCIDENT_JOURNAL2)}:${lines + 1}`)
  assert.deepEqual(await lastErrors(), expected)
})
