// Proves that node-postgres can use TLS against the target (pgshim with a
// certificate, run with with-pgshim.sh --tls): the CA-verified handshake for
// every auth method, a 5 MiB value across many TLS records, a foreign CA
// refused, and SCRAM with channel binding (enableChannelBinding) either working
// or, where it cannot cross pgshim, failing with an error that names channel
// binding. Skipped when the runner says the target has no certificate.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { connect, withClient, rejectionOf, targetKind } from './helpers.mjs'

const env = process.env
const skip = env.TARGET_TLS === '1' ? false : 'the target has no TLS certificate (run with --tls)'
const ssl = () => ({ ca: fs.readFileSync(env.PGSANDBOX_CA), servername: 'localhost', rejectUnauthorized: true })

test('verified TLS for trust, md5 and scram', { skip }, async () => {
  for (const [user, password] of [['pgshim_trust', undefined], ['pgshim_md5', 'md5-pass'], ['pgshim_scram', 'scram-pass']]) {
    await withClient(async (c) => {
      assert.equal(c.connection.stream.encrypted, true, `${user}: the connection is not TLS`)
      assert.equal(c.connection.stream.authorized, true, `${user}: the certificate was not verified`)
      assert.deepEqual((await c.query('SELECT current_user AS u')).rows, [{ u: user }])
    }, { user, password, ssl: ssl() })
  }
})

test('a 5 MiB bytea over TLS', { skip }, async () => {
  await withClient(async (c) => {
    const blob = crypto.randomBytes(5 * 1024 * 1024)
    const r = await c.query('SELECT md5($1::bytea) AS md5, $1::bytea AS back', [blob])
    assert.equal(r.rows[0].md5, crypto.createHash('md5').update(blob).digest('hex'))
    assert.ok(blob.equals(r.rows[0].back))
  }, { ssl: ssl() })
})

test('a certificate from another CA is refused', { skip }, async () => {
  const bundle = '/etc/ssl/certs/ca-certificates.crt' // public CAs only: not the test CA
  const err = await rejectionOf(connect({ ssl: { ca: fs.readFileSync(bundle), servername: 'localhost' } }),
    'TLS with the wrong CA')
  assert.match(err.code ?? err.message, /UNABLE_TO_VERIFY|SELF_SIGNED|CERT|certificate/i)
})

test('SCRAM with channel binding over TLS works or names the problem', { skip }, async (t) => {
  const mustWork = targetKind === 'direct' || env.UPSTREAM_SSLMODE === 'disable'
  try {
    await withClient(async (c) => {
      assert.deepEqual((await c.query('SELECT 1 AS v')).rows, [{ v: 1 }])
    }, { ssl: ssl(), enableChannelBinding: true })
    t.diagnostic('login with enableChannelBinding succeeded')
  } catch (err) {
    if (mustWork) throw err
    assert.match(err.message, /channel.binding/i, `unexplained failure: ${err.message}`)
    t.diagnostic(`refused as documented: ${err.message}`)
  }
})
