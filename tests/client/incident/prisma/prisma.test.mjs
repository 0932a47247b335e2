// The incident, replayed with the real Prisma Client (6.19, engineType "client":
// the query compiler plus @prisma/adapter-pg, i.e. node-postgres underneath).
// Without pgshim, every query below touching Environment fails with P2022 ("The
// column `environments.last_error` does not exist in the current database.") —
// checked first, directly. Through pgshim: create, findUnique, findMany where
// lastError null, update (lastError alone and with other fields), upsert (both
// paths), createMany, updateMany, delete, include / nested relations, nested
// writes and an interactive transaction all succeed; lastError reads null; the
// other values are stored. Then the migration is applied directly and, once pgshim
// says present, lastError written through Prisma is stored and read back.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import pg from 'pg'
import prismaClient from '@prisma/client'
import { PrismaPg } from '@prisma/adapter-pg'

const { PrismaClient } = prismaClient
const env = process.env
for (const name of ['INCIDENT_HOST', 'INCIDENT_PORT', 'INCIDENT_DB', 'DIRECT_PORT', 'INCIDENT_LOG']) {
  if (!env[name]) throw new Error(`${name} is not set: run through tests/client/incident/run.sh`)
}
const conn = {
  host: env.INCIDENT_HOST,
  user: env.INCIDENT_USER || 'pgshim_scram',
  password: env.INCIDENT_PASSWORD || 'scram-pass',
  database: env.INCIDENT_DB,
  connectionTimeoutMillis: 10000,
}
const shim = { ...conn, port: Number(env.INCIDENT_PORT) }
const direct = { ...conn, port: Number(env.DIRECT_PORT) }

async function qDirect(text, values = []) {
  const c = new pg.Client(direct)
  c.on('error', () => {})
  await c.connect()
  try {
    return (await c.query(text, values)).rows
  } finally {
    await c.end().catch(() => {})
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function waitFor(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}
// TODO(observability): assert /metrics, /status and Alertmanager ('missing' / 'present')
// once pgshim serves them (run.sh will export INCIDENT_METRICS_ADDR / INCIDENT_ALERTMANAGER_URL).
async function checkObservability(phase) {
  void phase
}

let prisma
before(() => {
  prisma = new PrismaClient({ adapter: new PrismaPg(shim) })
})
after(async () => {
  await prisma?.$disconnect()
})

const t1 = new Date('2025-08-04T02:08:10.000Z')

test('directly (no pgshim) Prisma fails with P2022: the incident', async () => {
  const plain = new PrismaClient({ adapter: new PrismaPg(direct) })
  try {
    await assert.rejects(plain.environment.findUnique({ where: { id: 'env_1' } }), (err) => {
      // Through the driver adapter the column's name is "(not available)" in the message.
      assert.equal(err.code, 'P2022', `${err.code}: ${err.message}`)
      assert.match(err.message, /does not exist in the current database/)
      return true
    })
  } finally {
    await plain.$disconnect()
  }
})

test('through pgshim, while last_error is missing: the Prisma Client API works', async () => {
  // create
  const created = await prisma.environment.create({
    data: { id: 'env_p1', name: 'prisma', userId: 'user_1', templateId: 'tpl_1', status: 'RUNNING', lastError: 'prisma error', createdAt: t1 },
  })
  assert.equal(created.id, 'env_p1')
  assert.equal(created.name, 'prisma')
  assert.equal(created.status, 'RUNNING')
  assert.equal(created.lastError, null)
  assert.deepEqual(created.createdAt, t1)
  assert.deepEqual(await qDirect("SELECT name, user_id, template_id, status::text, created_at FROM environments WHERE id = 'env_p1'"),
    [{ name: 'prisma', user_id: 'user_1', template_id: 'tpl_1', status: 'RUNNING', created_at: t1 }])

  // create through a relation (connect) and with select
  const sel = await prisma.environment.create({
    data: { id: 'env_p2', name: 'selected', user: { connect: { id: 'user_2' } }, lastError: null },
    select: { id: true, lastError: true, user: { select: { email: true } } },
  })
  assert.deepEqual(sel, { id: 'env_p2', lastError: null, user: { email: 'grace@example.com' } })

  // findUnique / findFirst / findMany where lastError null / not null
  const found = await prisma.environment.findUnique({ where: { id: 'env_p1' } })
  assert.equal(found.lastError, null)
  assert.equal(found.templateId, 'tpl_1')
  const all = await qDirect('SELECT id FROM environments ORDER BY id')
  const nulls = await prisma.environment.findMany({ where: { lastError: null }, orderBy: { id: 'asc' } })
  assert.deepEqual(nulls.map((e) => e.id), all.map((r) => r.id))
  assert.deepEqual(await prisma.environment.findMany({ where: { lastError: { not: null } } }), [])
  const first = await prisma.environment.findFirst({ where: { userId: 'user_1', lastError: null }, orderBy: { createdAt: 'desc' }, skip: 0 })
  assert.ok(first)
  assert.equal(await prisma.environment.count({ where: { lastError: null } }), all.length)

  // update: lastError alone (plus Prisma's own @updatedAt), then with other fields
  let upd = await prisma.environment.update({ where: { id: 'env_p1' }, data: { lastError: 'crashed' } })
  assert.equal(upd.lastError, null)
  upd = await prisma.environment.update({ where: { id: 'env_p1' }, data: { lastError: 'crashed again', status: 'FAILED', name: 'prisma failed' } })
  assert.equal(upd.status, 'FAILED')
  assert.equal(upd.lastError, null)
  assert.deepEqual(await qDirect("SELECT name, status::text FROM environments WHERE id = 'env_p1'"), [{ name: 'prisma failed', status: 'FAILED' }])

  // upsert: create path, then update path
  let ups = await prisma.environment.upsert({
    where: { id: 'env_p3' },
    create: { id: 'env_p3', name: 'upserted', userId: 'user_2', lastError: 'u1' },
    update: { lastError: 'u2' },
  })
  assert.equal(ups.name, 'upserted')
  assert.equal(ups.lastError, null)
  ups = await prisma.environment.upsert({
    where: { id: 'env_p3' },
    create: { id: 'env_p3', name: 'upserted', userId: 'user_2', lastError: 'u1' },
    update: { lastError: 'u2', status: 'STOPPED' },
  })
  assert.equal(ups.status, 'STOPPED')
  assert.equal(ups.lastError, null)

  // createMany / updateMany
  const many = await prisma.environment.createMany({
    data: [
      { id: 'env_p4', name: 'many a', userId: 'user_1', lastError: 'a' },
      { id: 'env_p5', name: 'many b', userId: 'user_1', templateId: 'tpl_2' },
    ],
  })
  assert.equal(many.count, 2)
  const um = await prisma.environment.updateMany({ where: { id: { in: ['env_p4', 'env_p5'] } }, data: { lastError: 'bulk', status: 'FAILED' } })
  assert.equal(um.count, 2)
  assert.deepEqual(await qDirect("SELECT id, status::text FROM environments WHERE id IN ('env_p4', 'env_p5') ORDER BY id"),
    [{ id: 'env_p4', status: 'FAILED' }, { id: 'env_p5', status: 'FAILED' }])

  // relations: include both ways, nested select, jobs.lastError (a real column) untouched
  const user = await prisma.user.findUnique({ where: { id: 'user_1' }, include: { environments: { orderBy: { id: 'asc' } } } })
  assert.deepEqual(user.environments.map((e) => e.id), ['env_1', 'env_2', 'env_p1', 'env_p4', 'env_p5'])
  assert.ok(user.environments.every((e) => e.lastError === null))
  const withRel = await prisma.environment.findMany({
    where: { userId: 'user_1', lastError: null },
    include: { user: true, template: true, jobs: true },
    orderBy: { id: 'asc' },
  })
  assert.equal(withRel.length, 5)
  const env2 = withRel.find((e) => e.id === 'env_2')
  assert.equal(env2.template.name, 'python')
  assert.deepEqual(env2.jobs.map((j) => [j.id, j.lastError]), [['job_2', 'image pull failed']])
  const users = await prisma.user.findMany({ select: { id: true, environments: { select: { id: true, lastError: true }, where: { lastError: null } } }, orderBy: { id: 'asc' } })
  assert.equal(users.length, 2)
  assert.ok(users.every((u) => u.environments.every((e) => e.lastError === null)))

  // nested write (Prisma wraps it in a transaction) and an interactive transaction
  const nu = await prisma.user.create({
    data: { id: 'user_p', email: 'p@example.com', environments: { create: [{ id: 'env_p6', name: 'nested', lastError: 'n1' }, { id: 'env_p7', name: 'nested 2' }] } },
    include: { environments: true },
  })
  assert.equal(nu.environments.length, 2)
  assert.ok(nu.environments.every((e) => e.lastError === null))
  const txResult = await prisma.$transaction(async (tx) => {
    const e = await tx.environment.update({ where: { id: 'env_p6' }, data: { lastError: 'in tx', status: 'RUNNING' } })
    const n = await tx.environment.count({ where: { userId: 'user_p', lastError: null } })
    return [e.status, n]
  })
  assert.deepEqual(txResult, ['RUNNING', 2])

  // delete
  const del = await prisma.environment.delete({ where: { id: 'env_p5' } })
  assert.equal(del.name, 'many b')
  assert.equal(del.lastError, null)
  assert.deepEqual(await qDirect("SELECT id FROM environments WHERE id = 'env_p5'"), [])
  const dm = await prisma.environment.deleteMany({ where: { userId: 'user_p', lastError: null } })
  assert.equal(dm.count, 2)

  await checkObservability('missing')
})

test('after the migration (applied directly): lastError written through Prisma is stored', async () => {
  await qDirect('ALTER TABLE environments ADD COLUMN last_error TEXT')
  const appliedAt = Date.now()
  await waitFor("pgshim's log to say present", () =>
    /pending column public\.environments\.last_error is present/.test(fs.readFileSync(env.INCIDENT_LOG, 'utf8')), 5000)
  const took = Date.now() - appliedAt
  assert.ok(took < 2000, `present only after ${took} ms`)
  const upd = await prisma.environment.update({ where: { id: 'env_p1' }, data: { lastError: 'now stored' } })
  assert.equal(upd.lastError, 'now stored')
  assert.deepEqual(await qDirect("SELECT last_error FROM environments WHERE id = 'env_p1'"), [{ last_error: 'now stored' }])
  const created = await prisma.environment.create({ data: { id: 'env_p8', name: 'after', userId: 'user_2', lastError: 'kept' } })
  assert.equal(created.lastError, 'kept')
  assert.deepEqual((await prisma.environment.findMany({ where: { lastError: { not: null } }, orderBy: { id: 'asc' } })).map((e) => e.id),
    ['env_p1', 'env_p8'])
  await checkObservability('present')
})
