// Proves that LISTEN/NOTIFY works across two sessions through the target: the
// listener, idle between queries, receives the committed notifications in order
// with their payloads (multi-byte too) and the sender's server PID, and never a
// notification from a rolled-back transaction.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, waitFor } from './helpers.mjs'

test('LISTEN/NOTIFY across two connections', async () => {
  const listener = await connect()
  const sender = await connect()
  try {
    const channel = `client_node_chan_${process.pid}`
    const got = []
    listener.on('notification', (n) => got.push(n))
    await listener.query(`LISTEN "${channel}"`)
    const senderPid = (await sender.query('SELECT pg_backend_pid() AS pid')).rows[0].pid

    await sender.query(`NOTIFY "${channel}", 'hello'`)
    await sender.query('SELECT pg_notify($1, $2)', [channel, 'ünï ✓ 🐘'])
    await sender.query('BEGIN')
    await sender.query('SELECT pg_notify($1, $2)', [channel, 'rolled back'])
    await sender.query('ROLLBACK')
    await sender.query('BEGIN')
    await sender.query('SELECT pg_notify($1, $2)', [channel, 'x'.repeat(7000)])
    await sender.query('COMMIT')
    await sender.query('SELECT pg_notify($1, $2)', [channel, 'last'])

    await waitFor('the last notification', () => got.some((n) => n.payload === 'last'))
    assert.deepEqual(got.map((n) => n.payload), ['hello', 'ünï ✓ 🐘', 'x'.repeat(7000), 'last'])
    for (const n of got) {
      assert.equal(n.channel, channel)
      assert.equal(n.processId, senderPid)
    }
    // The listener's own session is still in sync.
    assert.deepEqual((await listener.query('SELECT 1 AS v')).rows, [{ v: 1 }])
  } finally {
    await listener.end().catch(() => {})
    await sender.end().catch(() => {})
  }
})
