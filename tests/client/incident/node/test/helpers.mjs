// Shared set-up for the incident's node-postgres tests: connection settings for
// the pgshim(s) and the database that tests/client/incident/run.sh prepared, the
// Prisma-shaped statements of prisma-environments.sql, pgshim's log, and bounded
// waiting helpers.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const env = process.env
for (const name of ['INCIDENT_HOST', 'INCIDENT_PORT', 'INCIDENT_DB', 'DIRECT_PORT', 'INCIDENT_LOG']) {
  if (!env[name]) throw new Error(`${name} is not set: run through tests/client/incident/run.sh`)
}

export const pollMs = Number(env.INCIDENT_POLL_MS || 300)

const base = {
  host: env.INCIDENT_HOST,
  user: env.INCIDENT_USER || 'pgshim_scram',
  password: env.INCIDENT_PASSWORD || 'scram-pass',
  database: env.INCIDENT_DB,
  connectionTimeoutMillis: 10000,
  // Bound every statement on the client side too: a hung relay fails the test.
  query_timeout: 20000,
}
export const shim = { ...base, port: Number(env.INCIDENT_PORT) }
export const shim2 = env.INCIDENT_PORT2 ? { ...base, port: Number(env.INCIDENT_PORT2) } : null
export const shim3 = env.INCIDENT_PORT3 ? { ...base, port: Number(env.INCIDENT_PORT3) } : null
export const shim4 = env.INCIDENT_PORT4 ? { ...base, port: Number(env.INCIDENT_PORT4) } : null
export const direct = { ...base, port: Number(env.DIRECT_PORT) }

// connect(settings): a connected pg.Client (pgshim by default).
export async function connect(settings = shim) {
  const client = new pg.Client(settings)
  // An 'error' event without a listener would crash the test process.
  client.on('error', () => {})
  await client.connect()
  return client
}

// withClient(settings, fn): runs fn(client) and always closes the client.
export async function withClient(settings, fn) {
  const client = await connect(settings)
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

// q_direct(sql, values): rows of a statement run on PostgreSQL itself.
export async function qDirect(text, values = []) {
  return withClient(direct, async (c) => (await c.query(text, values)).rows)
}

// The Prisma-shaped statements: prisma-environments.sql, blank-line separated
// blocks of `-- title` lines followed by one statement. fixture(prefix) returns
// the statement whose first comment line starts with prefix.
const here = path.dirname(fileURLToPath(import.meta.url))
const fixtureFile = path.join(here, '..', '..', 'prisma-environments.sql')
const blocks = fs
  .readFileSync(fixtureFile, 'utf8')
  .split(/\n\s*\n/)
  .map((block) => {
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    const comments = lines.filter((l) => l.startsWith('--')).map((l) => l.replace(/^--\s?/, ''))
    const sql = lines.filter((l) => !l.startsWith('--')).join('\n').trim()
    return { title: comments[0] || '', sql }
  })
  .filter((b) => b.sql !== '')
export function fixture(prefix) {
  const found = blocks.filter((b) => b.title.startsWith(prefix))
  if (found.length !== 1) throw new Error(`fixture '${prefix}': ${found.length} matches in ${fixtureFile}`)
  return found[0].sql
}

export const logText = (file = env.INCIDENT_LOG) => fs.readFileSync(file, 'utf8')
export const countMatches = (text, re) => (text.match(new RegExp(re.source, 'g')) || []).length

export function journalLines() {
  if (!env.INCIDENT_JOURNAL || !fs.existsSync(env.INCIDENT_JOURNAL)) return []
  return fs
    .readFileSync(env.INCIDENT_JOURNAL, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// waitFor(what, fn, timeoutMs): polls fn until it returns a truthy value.
export async function waitFor(what, fn, timeoutMs = 10000, everyMs = 25) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

// rejectionOf(promise, what): the error the promise rejects with (fails if it resolves).
export async function rejectionOf(promise, what) {
  let value
  try {
    value = await promise
  } catch (err) {
    return err
  }
  throw new Error(`${what}: expected an error, got ${JSON.stringify(value?.rows ?? value)}`)
}

// checkObservability(phase, details): TODO(observability) hook. Called while the
// column is missing (phase 'missing') and after the migration ('present'). Once
// pgshim serves /metrics and /status and talks to Alertmanager, assert here, e.g.:
//   - /status: public.environments.last_error state == phase, counts > 0;
//   - /metrics: pgshim_pending_column_state, rewrites/dropped writes/replays by column;
//   - Alertmanager /api/v2/alerts: PgshimPendingColumnMissing active while 'missing',
//     resolved (endsAt set) after 'present'.
// run.sh will export INCIDENT_METRICS_ADDR / INCIDENT_ALERTMANAGER_URL for it.
export async function checkObservability(phase, details = {}) {
  void phase
  void details
  // TODO(observability): not wired in pgshim yet.
}
