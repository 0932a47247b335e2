// Proves that node-postgres's extended-protocol traffic survives the target:
// parameterised queries of many types, named prepared statements reused by name,
// errors with their SQLSTATE in and out of transactions, pipelining (pg's
// `pipeline: true`, many Parse/Bind/Execute/Sync in flight), notices, a 10 MiB
// bytea parameter and result, concurrent sessions that never see each other's
// results, and every authentication method with wrong passwords refused (28P01).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { connect, withClient, rejectionOf, target } from './helpers.mjs'

test('parameterised queries return exact values and types', async () => {
  await withClient(async (c) => {
    const r = await c.query(
      `SELECT $1::int + $2::int AS sum, $3::text AS t, $4::text IS NULL AS isnull,
              $5::jsonb AS j, $6::int[] AS arr, $7::bytea AS b, $8::numeric AS n, $9::text AS inj`,
      [40, 2, 'ünï 🐘\ttab', null, { a: [1, 2], s: 'x' }, [1, 2, 3], Buffer.from([0, 1, 255]), '12345678901234567890.5',
        "'; DROP TABLE users; --"],
    )
    assert.equal(r.rowCount, 1)
    assert.deepEqual(r.rows[0], {
      sum: 42, t: 'ünï 🐘\ttab', isnull: true, j: { a: [1, 2], s: 'x' }, arr: [1, 2, 3],
      b: Buffer.from([0, 1, 255]), n: '12345678901234567890.5', inj: "'; DROP TABLE users; --",
    })
    assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]),
      [['sum', 23], ['t', 25], ['isnull', 16], ['j', 3802], ['arr', 1007], ['b', 17], ['n', 1700], ['inj', 25]])

    const users = await c.query('SELECT id, name FROM users WHERE id = ANY($1) ORDER BY id', [['user_2', 'user_1', 'nope']])
    assert.deepEqual(users.rows, [{ id: 'user_1', name: 'Ada' }, { id: 'user_2', name: 'Grace' }])
    const none = await c.query('SELECT * FROM environments WHERE user_id = $1', ['nobody'])
    assert.equal(none.rowCount, 0)
    assert.deepEqual(none.fields.map((f) => f.name),
      ['id', 'name', 'user_id', 'template_id', 'status', 'created_at', 'updated_at'])
  })
})

test('named prepared statements are parsed once and reused by name', async () => {
  await withClient(async (c) => {
    const byId = (id) => c.query({ name: 'user_by_id', text: 'SELECT name FROM users WHERE id = $1', values: [id] })
    assert.deepEqual((await byId('user_1')).rows, [{ name: 'Ada' }])
    assert.deepEqual((await byId('user_2')).rows, [{ name: 'Grace' }])
    assert.deepEqual((await byId('nope')).rows, [])
    const stmts = await c.query('SELECT name, statement, parameter_types::text[] AS types FROM pg_prepared_statements')
    assert.deepEqual(stmts.rows, [
      { name: 'user_by_id', statement: 'SELECT name FROM users WHERE id = $1', types: ['text'] },
    ])
    // A second session has its own namespace: the same name, another statement.
    await withClient(async (d) => {
      const r = await d.query({ name: 'user_by_id', text: 'SELECT $1::int * 10 AS v', values: [7] })
      assert.deepEqual(r.rows, [{ v: 70 }])
    })
    assert.deepEqual((await byId('user_2')).rows, [{ name: 'Grace' }])
    // SQL-level PREPARE of an existing name: 42P05 duplicate_prepared_statement.
    await c.query('PREPARE sql_level AS SELECT 1')
    const err = await rejectionOf(c.query('PREPARE sql_level AS SELECT 2'), 'duplicate PREPARE')
    assert.equal(err.code, '42P05')
    assert.deepEqual((await c.query('EXECUTE sql_level')).rows, [{ '?column?': 1 }])
  })
})

test('errors carry their SQLSTATE and the session recovers', async () => {
  await withClient(async (c) => {
    assert.equal((await rejectionOf(c.query('SELECT $1::int', ['abc']), 'bad int')).code, '22P02')
    assert.equal((await rejectionOf(c.query('SELECT 1/0'), 'division by zero')).code, '22012')
    assert.equal((await rejectionOf(c.query('SELEC 1'), 'syntax error')).code, '42601')
    await c.query('BEGIN')
    assert.equal((await rejectionOf(c.query('SELECT * FROM no_such_table'), 'missing table')).code, '42P01')
    assert.equal((await rejectionOf(c.query('SELECT 1'), 'statement in failed tx')).code, '25P02')
    await c.query('ROLLBACK')
    assert.deepEqual((await c.query('SELECT 2 AS v')).rows, [{ v: 2 }])
  })
})

test('pipelined queries complete in order; one error affects only its own query', async () => {
  await withClient(async (c) => {
    const queries = []
    for (let i = 0; i < 60; i++) {
      queries.push(i === 30 ? c.query('SELECT 1/0 AS v') : c.query('SELECT $1::int * 2 AS v, $2::text AS s', [i, `q${i}`]))
    }
    const results = await Promise.allSettled(queries)
    results.forEach((r, i) => {
      if (i === 30) {
        assert.equal(r.status, 'rejected')
        assert.equal(r.reason.code, '22012')
      } else {
        assert.equal(r.status, 'fulfilled', `query ${i}: ${r.reason}`)
        assert.deepEqual(r.value.rows, [{ v: i * 2, s: `q${i}` }])
      }
    })
  }, { pipeline: true })
})

test('notices arrive as NoticeResponse', async () => {
  await withClient(async (c) => {
    const notices = []
    c.on('notice', (n) => notices.push([n.severity, n.message, n.code]))
    await c.query("DO $$ BEGIN RAISE NOTICE 'first %', 1; RAISE WARNING 'second'; END $$")
    assert.deepEqual(notices, [['NOTICE', 'first 1', '00000'], ['WARNING', 'second', '01000']])
  })
})

test('a 10 MiB bytea goes both ways intact', async () => {
  await withClient(async (c) => {
    const blob = crypto.randomBytes(10 * 1024 * 1024)
    const md5 = crypto.createHash('md5').update(blob).digest('hex')
    const r = await c.query('SELECT length($1::bytea) AS len, md5($1::bytea) AS md5, $1::bytea AS back', [blob])
    assert.equal(r.rows[0].len, blob.length)
    assert.equal(r.rows[0].md5, md5)
    assert.ok(blob.equals(r.rows[0].back), 'the bytea that came back differs')
  })
})

test('concurrent sessions never see each other\'s results', async () => {
  const clients = await Promise.all(Array.from({ length: 16 }, (_, i) => connect({ application_name: `node_conc_${i}` })))
  try {
    const pids = new Set()
    await Promise.all(clients.map(async (c, i) => {
      const { rows } = await c.query('SELECT pg_backend_pid() AS pid')
      pids.add(rows[0].pid)
      for (let k = 0; k < 25; k++) {
        const r = await c.query("SELECT $1::int AS i, $2::int AS k, current_setting('application_name') AS app", [i, k])
        assert.deepEqual(r.rows, [{ i, k, app: `node_conc_${i}` }])
      }
    }))
    assert.equal(pids.size, clients.length, 'each client must have its own server session')
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})))
  }
})

test('authentication: trust, md5, scram succeed; wrong passwords give 28P01', async () => {
  for (const [user, password] of [['pgshim_trust', undefined], ['pgshim_md5', 'md5-pass'], ['pgshim_scram', 'scram-pass']]) {
    await withClient(async (c) => {
      assert.deepEqual((await c.query('SELECT current_user AS u')).rows, [{ u: user }])
    }, { user, password })
  }
  for (const user of ['pgshim_scram', 'pgshim_md5']) {
    const err = await rejectionOf(connect({ user, password: 'wrong-pass' }), `wrong password for ${user}`)
    assert.equal(err.code, '28P01', `${user}: ${err.message}`)
    assert.match(err.message, new RegExp(`password authentication failed for user "${user}"`))
  }
  const err = await rejectionOf(connect({ database: `client_node_missing_${process.pid}` }), 'missing database')
  assert.equal(err.code, '3D000')
  // The target still serves after the failures.
  await withClient(async (c) => assert.equal((await c.query('SELECT 1 AS v')).rows[0].v, 1))
  assert.ok(target.port > 0)
})
