// Proves that the end of a session travels through the target in both
// directions: when the server terminates a backend (pg_terminate_backend), the
// idle client receives the server's FATAL 57P01 and an end of connection; when a
// client vanishes in the middle of a transaction, its server session ends and
// the transaction is rolled back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, withClient, waitFor, withTimeout, scratchDatabase } from './helpers.mjs'

test('pg_terminate_backend reaches the idle client as 57P01', async () => {
  const victim = await connect()
  try {
    const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
    const errored = new Promise((resolve) => victim.once('error', resolve))
    const ended = new Promise((resolve) => victim.once('end', resolve))
    await withClient(async (c) => {
      assert.deepEqual((await c.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows, [{ ok: true }])
    })
    const err = await withTimeout(errored, 10000, 'the FATAL error on the idle client')
    assert.equal(err.code, '57P01')
    assert.match(err.message, /terminating connection due to administrator command/)
    await withTimeout(ended, 10000, 'the end of the terminated connection')
  } finally {
    await victim.end().catch(() => {})
  }
})

test('a client that vanishes mid-transaction is rolled back', async () => {
  const app = `node_vanish_${process.pid}`
  const db = await scratchDatabase('vanish')
  try {
    await withClient((c) => c.query('CREATE TABLE t (v int)'), { database: db.name })
    const victim = await connect({ application_name: app, database: db.name })
    await victim.query('BEGIN')
    await victim.query('INSERT INTO t VALUES (1)')
    // The client's socket disappears without a Terminate message.
    victim.connection.stream.destroy()
    await withClient(async (observer) => {
      const gone = () => observer.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app])
        .then((r) => r.rows[0].n === 0)
      await waitFor('the server session of the vanished client to end', gone, 10000)
      assert.deepEqual((await observer.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 0 }])
    }, { database: db.name })
  } finally {
    await db.drop()
  }
})
