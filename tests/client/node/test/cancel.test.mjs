// Proves that a running query can be cancelled through the target, both with
// pg_cancel_backend() from another session and with a raw CancelRequest sent to
// the target's port carrying the BackendKeyData the client received (so pgshim
// must route it to the right upstream session); a CancelRequest with a wrong key
// is ignored; either way the query fails with 57014 and the session lives on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { connect, waitFor, sleep, target, withTimeout, rejectionOf } from './helpers.mjs'

const kCancelRequestCode = 80877102 // 1234 << 16 | 5678

// sendCancelRequest(pid, key): the 16-byte CancelRequest on a new connection to
// the target; resolves once the peer has closed the connection (the server
// closes it without answering).
function sendCancelRequest(pid, key) {
  return withTimeout(new Promise((resolve, reject) => {
    const msg = Buffer.alloc(16)
    msg.writeInt32BE(16, 0)
    msg.writeInt32BE(kCancelRequestCode, 4)
    msg.writeInt32BE(pid, 8)
    msg.writeInt32BE(key, 12)
    const sock = net.connect({ host: target.host, port: target.port }, () => sock.end(msg))
    sock.on('error', reject)
    sock.on('data', (d) => reject(new Error(`unexpected reply to CancelRequest: ${d.toString('hex')}`)))
    sock.on('close', () => resolve())
  }), 10000, 'CancelRequest connection close')
}

// Whether the session named `app` is currently running pg_sleep, seen by `observer`.
async function sleeping(observer, app) {
  const { rows } = await observer.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
    [app])
  return rows[0].n === 1
}

test('pg_cancel_backend from a second connection cancels pg_sleep with 57014', async () => {
  const app = `node_cancel_backend_${process.pid}`
  const victim = await connect({ application_name: app })
  const observer = await connect()
  try {
    const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
    const started = Date.now()
    const running = rejectionOf(victim.query('SELECT pg_sleep(30)'), 'pg_sleep(30)')
    await waitFor('pg_sleep to start', () => sleeping(observer, app))
    const r = await observer.query('SELECT pg_cancel_backend($1) AS ok', [pid])
    assert.equal(r.rows[0].ok, true)
    const err = await withTimeout(running, 10000, 'the cancelled query to fail')
    assert.equal(err.code, '57014')
    assert.match(err.message, /canceling statement due to user request/)
    assert.ok(Date.now() - started < 10000, 'the query was not cancelled promptly')
    assert.deepEqual((await victim.query('SELECT 1 AS v')).rows, [{ v: 1 }])
  } finally {
    await victim.end().catch(() => {})
    await observer.end().catch(() => {})
  }
})

test('a CancelRequest to the target port cancels the query; a wrong key does not', async () => {
  const app = `node_cancel_request_${process.pid}`
  const victim = await connect({ application_name: app })
  const observer = await connect()
  try {
    assert.ok(Number.isInteger(victim.processID) && Number.isInteger(victim.secretKey),
      'the client received no BackendKeyData')
    let settled = false
    const started = Date.now()
    const running = rejectionOf(victim.query('SELECT pg_sleep(30)'), 'pg_sleep(30)')
    running.finally(() => { settled = true })
    await waitFor('pg_sleep to start', () => sleeping(observer, app))

    // Wrong secret key, then an unknown process ID: both silently ignored.
    await sendCancelRequest(victim.processID, victim.secretKey ^ 0x5a5a5a5a)
    await sendCancelRequest(victim.processID ^ 0x40000000, victim.secretKey)
    await sleep(1000)
    assert.equal(settled, false, 'a CancelRequest with a wrong key cancelled the query')
    assert.ok(await sleeping(observer, app), 'the query stopped after a CancelRequest with a wrong key')

    await sendCancelRequest(victim.processID, victim.secretKey)
    const err = await withTimeout(running, 10000, 'the cancelled query to fail')
    assert.equal(err.code, '57014')
    assert.ok(Date.now() - started < 15000, 'the query was not cancelled promptly')
    assert.deepEqual((await victim.query('SELECT 2 AS v')).rows, [{ v: 2 }])
  } finally {
    await victim.end().catch(() => {})
    await observer.end().catch(() => {})
  }
})
