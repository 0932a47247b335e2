// Shared set-up for the node-postgres client tests: connection settings for the
// target that tests/support/with-pgshim.sh exported, a per-file scratch database
// (created through the target, dropped directly so that a broken proxy cannot
// leave it behind), and bounded waiting helpers.
import pg from 'pg'

const env = process.env
for (const name of ['TARGET_HOST', 'TARGET_PORT', 'DIRECT_PORT']) {
  if (!env[name]) throw new Error(`${name} is not set: run through tests/support/with-pgshim.sh`)
}

export const target = {
  host: env.TARGET_HOST,
  port: Number(env.TARGET_PORT),
  user: 'pgshim_scram',
  password: 'scram-pass',
  database: env.PGSANDBOX_DB || 'app',
  connectionTimeoutMillis: 10000,
}
export const direct = { ...target, port: Number(env.DIRECT_PORT) }
export const targetKind = env.TARGET_KIND || 'unknown'

// connect(overrides): a connected pg.Client to the target.
export async function connect(overrides = {}) {
  const client = new pg.Client({ ...target, ...overrides })
  // An 'error' event without a listener would crash the test process.
  client.on('error', () => {})
  await client.connect()
  return client
}

// withClient(fn, overrides): runs fn(client) and always closes the client.
export async function withClient(fn, overrides = {}) {
  const client = await connect(overrides)
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

// scratchDatabase(tag): creates client_node_<tag>_<pid> and returns its name and a
// drop function.
export async function scratchDatabase(tag) {
  const name = `client_node_${tag}_${process.pid}`
  await withClient((c) => c.query(`CREATE DATABASE "${name}"`), { database: 'postgres' })
  return {
    name,
    drop: () =>
      withClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), {
        ...direct,
        database: 'postgres',
      }),
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// waitFor(what, fn, timeoutMs): polls fn until it returns a truthy value.
export async function waitFor(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

// withTimeout(promise, ms, what): rejects if promise does not settle in time.
export function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// rejectionOf(promise): the error the promise rejects with (fails if it resolves).
export async function rejectionOf(promise, what) {
  try {
    const value = await promise
    throw new Error(`${what}: expected an error, got ${JSON.stringify(value?.rows ?? value)}`)
  } catch (err) {
    if (err.message?.startsWith(`${what}: expected an error`)) throw err
    return err
  }
}
