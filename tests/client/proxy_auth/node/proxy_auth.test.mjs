// node-postgres through pgshim in auth mode proxy, TLS on both legs (run by
// tests/client/proxy_auth/node/run.sh under tests/client/proxy_auth/run.sh):
//
// * verified TLS (ssl: {ca, servername: 'localhost'}) and SCRAM: pgshim offers
//   SCRAM-SHA-256-PLUS and SCRAM-SHA-256; with enableChannelBinding node-postgres
//   picks -PLUS (tls-server-end-point of pgshim's certificate) and logs in,
//   without it plain SCRAM-SHA-256; either way the session runs as pgshim_scram
//   over a TLS upstream session (pg_stat_ssl) and runs parameterised queries;
// * the md5 user logs in through pgshim's MD5 exchange;
// * a wrong password, and an unknown user, are refused with 28P01 and
//   PostgreSQL's text.
//
// pg comes from tests/client/node's locked packages (installed there by
// run.sh with npm ci when missing).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', '..', 'node', 'package.json'))
const pg = require('pg')

const env = process.env
for (const name of ['TARGET_PORT', 'PGSANDBOX_CA']) {
  if (!env[name]) throw new Error(`${name} is not set: run through tests/client/proxy_auth/run.sh`)
}

const base = () => ({
  host: 'localhost', // the name pgshim's certificate carries; pgshim listens on 127.0.0.1
  port: Number(env.TARGET_PORT),
  database: env.PGSANDBOX_DB || 'app',
  connectionTimeoutMillis: 10000,
  ssl: { ca: fs.readFileSync(env.PGSANDBOX_CA), servername: 'localhost', rejectUnauthorized: true },
})

// login(config): connects, recording what the server offered and which SASL
// mechanism node-postgres chose (read off the wire-level calls, since
// node-postgres forgets its SASL session after the login). Returns
// { client, offered, chosen }; the caller ends the client.
async function login(config) {
  const client = new pg.Client({ ...base(), ...config })
  client.on('error', () => {})
  const seen = { offered: null, chosen: null, md5: false }
  client.connection.on('authenticationSASL', (msg) => { seen.offered = msg.mechanisms })
  client.connection.on('authenticationMD5Password', () => { seen.md5 = true })
  const send = client.connection.sendSASLInitialResponseMessage.bind(client.connection)
  client.connection.sendSASLInitialResponseMessage = (mechanism, response) => {
    seen.chosen = mechanism
    return send(mechanism, response)
  }
  await client.connect()
  return { client, ...seen }
}

async function sessionChecks(client, user) {
  assert.equal(client.connection.stream.encrypted, true, 'the client leg is not TLS')
  assert.equal(client.connection.stream.authorized, true, "pgshim's certificate was not verified")
  const r = await client.query(
    'SELECT current_user AS u, s.ssl AS upstream_tls FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()')
  assert.deepEqual(r.rows, [{ u: user, upstream_tls: true }])
  const p = await client.query('SELECT $1::int + $2::int AS sum, $3::text AS t', [40, 2, 'through pgshim'])
  assert.deepEqual(p.rows, [{ sum: 42, t: 'through pgshim' }])
  await client.query('BEGIN')
  await client.query('CREATE TEMP TABLE t (id int, v text) ON COMMIT DROP')
  await client.query('INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100) g')
  const c = await client.query({ text: 'SELECT count(*)::int AS n FROM t WHERE id > $1', values: [50], name: 'cnt' })
  assert.deepEqual(c.rows, [{ n: 50 }])
  await client.query('COMMIT')
}

async function refusal(config) {
  const client = new pg.Client({ ...base(), ...config })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    return err
  } finally {
    await client.end().catch(() => {})
  }
  throw new Error(`login as ${config.user} with a wrong password succeeded`)
}

test('SCRAM-SHA-256-PLUS with enableChannelBinding over verified TLS', async (t) => {
  const { client, offered, chosen } = await login({ user: 'pgshim_scram', password: 'scram-pass', enableChannelBinding: true })
  try {
    assert.deepEqual([...offered].sort(), ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'], `offered: ${offered}`)
    assert.equal(chosen, 'SCRAM-SHA-256-PLUS')
    await sessionChecks(client, 'pgshim_scram')
    t.diagnostic(`offered ${offered.join(', ')}; node-postgres chose ${chosen}`)
  } finally {
    await client.end()
  }
})

test('SCRAM-SHA-256 without channel binding over verified TLS', async (t) => {
  const { client, offered, chosen } = await login({ user: 'pgshim_scram', password: 'scram-pass' })
  try {
    assert.ok(offered.includes('SCRAM-SHA-256-PLUS'), `offered: ${offered}`)
    assert.equal(chosen, 'SCRAM-SHA-256')
    await sessionChecks(client, 'pgshim_scram')
    t.diagnostic(`node-postgres chose ${chosen}`)
  } finally {
    await client.end()
  }
})

test('the md5 user logs in through MD5', async () => {
  const { client, md5, chosen } = await login({ user: 'pgshim_md5', password: 'md5-pass' })
  try {
    assert.equal(md5, true, 'pgshim did not ask for an MD5 password')
    assert.equal(chosen, null)
    await sessionChecks(client, 'pgshim_md5')
  } finally {
    await client.end()
  }
})

test('wrong passwords and an unknown user get 28P01', async () => {
  for (const [user, extra] of [['pgshim_scram', { enableChannelBinding: true }], ['pgshim_scram', {}],
    ['pgshim_md5', {}], ['no_such_user', {}]]) {
    const err = await refusal({ user, password: 'wrong-pass', ...extra })
    assert.equal(err.code, '28P01', `${user}: ${err.message}`)
    assert.equal(err.message, `password authentication failed for user "${user}"`)
  }
})

test('several concurrent SCRAM-PLUS logins', async () => {
  const sessions = await Promise.all(Array.from({ length: 8 }, () =>
    login({ user: 'pgshim_scram', password: 'scram-pass', enableChannelBinding: true })))
  try {
    const pids = await Promise.all(sessions.map(async ({ client }) =>
      (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid))
    assert.equal(new Set(pids).size, 8, 'sessions share a backend')
  } finally {
    await Promise.all(sessions.map(({ client }) => client.end()))
  }
})
