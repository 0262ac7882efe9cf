// Data through the official SDK: save, find with where / paging / sort,
// findById, count, update, remove, bulk create / update / delete, and the
// denials (Customer and anonymous callers get Backendless's permission codes).
//
// Policy (tests/e2e/app/cloudkeep.json): AuthenticatedUser may do everything on
// Task, Customer is denied everything on Task; Note is granted to Editor only
// (alice is an Editor, boris a Customer).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'

import {
  ALICE, BORIS, GUID, initGlobal, rejectsWithCode, standalone, startServer, withWire,
} from './lib/harness.mjs'

let server
let Backendless
let alice // the logged-in user of the global SDK
let Tasks // Backendless.Data.of('Task')

// The rows this file creates in Task, by title: rank 0..14, done when rank % 3 == 0.
const RANKS = [...Array(15).keys()]
const title = rank => `task ${String(rank).padStart(2, '0')}`

before(async () => {
  server = await startServer()
  Backendless = initGlobal(server)
  alice = await Backendless.UserService.login(ALICE.email, ALICE.password)
  Tasks = Backendless.Data.of('Task')
})

after(async () => {
  if (server) await server.stop()
})

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const query = () => Backendless.DataQueryBuilder.create()

test('save creates an object with the system columns set by the server', withWire(async () => {
  const before = Date.now()
  const saved = await Tasks.save({
    title: title(0), rank: 0, done: true,
    // System columns sent by a client are ignored.
    ownerId: 'SOMEONE-ELSE', created: 1, ___class: 'Task',
  })
  assert.match(saved.objectId, GUID)
  assert.equal(saved.___class, 'Task')
  assert.equal(saved.title, title(0))
  assert.equal(saved.rank, 0)
  assert.equal(saved.done, true)
  assert.equal(saved.ownerId, alice.objectId, 'ownerId is the signed-in caller')
  assert.equal(typeof saved.created, 'number')
  assert.ok(saved.created >= before - 5000 && saved.created <= Date.now() + 5000, `created ${saved.created}`)
  assert.equal(saved.updated, null)
}))

test('save the rest, one by one and with bulkCreate', withWire(async () => {
  // A few ms apart, so task 00..03 and the bulk rows have distinct `created`.
  for (const rank of RANKS.slice(1, 4)) {
    await sleep(3)
    const saved = await Tasks.save({ title: title(rank), rank, done: rank % 3 === 0 })
    assert.equal(saved.rank, rank)
  }
  await sleep(3)
  const ids = await Tasks.bulkCreate(RANKS.slice(4).map(rank => ({ title: title(rank), rank, done: rank % 3 === 0 })))
  assert.ok(Array.isArray(ids), `bulkCreate answers an array: ${JSON.stringify(ids)}`)
  assert.equal(ids.length, 11)
  for (const id of ids) assert.match(id, GUID)
  assert.equal(new Set(ids).size, 11)

  const created = await Tasks.findById(ids[0])
  assert.equal(created.title, title(4))
  assert.equal(created.ownerId, alice.objectId, 'bulkCreate sets the owner too')
}))

test('getObjectCount, with and without where', withWire(async () => {
  assert.equal(await Tasks.getObjectCount(), 15)
  assert.equal(await Tasks.getObjectCount('done = true'), 5) // 0 3 6 9 12
  assert.equal(await Tasks.getObjectCount('rank >= 10'), 5)
  assert.equal(await Tasks.getObjectCount("title = 'nothing'"), 0)
  const q = query().setWhereClause('rank < 4')
  assert.equal(await Tasks.getObjectCount(q), 4)
}))

// The default order is created asc, then objectId asc (rows made by one
// bulkCreate can share a millisecond), so the expected order is computed.
function defaultOrder(rows) {
  return [...rows].sort((a, b) => a.created - b.created || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0))
}

test('find with no query: the first page of 10 in the default order (created, objectId)', withWire(async () => {
  const all = await Tasks.find(query().setPageSize(100))
  assert.equal(all.length, 15)
  assert.deepEqual(all.map(t => t.rank).sort((a, b) => a - b), RANKS)
  const expected = defaultOrder(all)
  assert.deepEqual(all.map(t => t.objectId), expected.map(t => t.objectId), 'pageSize 100 in the default order')

  const page = await Tasks.find()
  assert.equal(page.length, 10)
  assert.deepEqual(page.map(t => t.objectId), expected.slice(0, 10).map(t => t.objectId))
  for (const t of page) {
    assert.equal(t.___class, 'Task')
    assert.match(t.objectId, GUID)
  }
  const second = await Tasks.find(query().setOffset(10))
  assert.deepEqual(second.map(t => t.objectId), expected.slice(10).map(t => t.objectId))
}))

test('find with where, sortBy, pageSize and offset', withWire(async () => {
  const q = query()
    .setWhereClause('rank >= 5 and done = false')
    .setSortBy(['rank desc'])
    .setPageSize(3)
    .setOffset(1)
  const page = await Tasks.find(q)
  // rank >= 5 and not done: 14 13 11 10 8 7 5; skip 1, take 3.
  assert.deepEqual(page.map(t => t.rank), [13, 11, 10])
  assert.deepEqual(page.map(t => t.title), [title(13), title(11), title(10)])

  // The next page, as an app pages through results.
  q.prepareNextPage()
  assert.equal(q.getOffset(), 4)
  assert.deepEqual((await Tasks.find(q)).map(t => t.rank), [8, 7, 5])
  q.prepareNextPage()
  assert.deepEqual(await Tasks.find(q), [])
}))

test('find: sort ascending by two columns, LIKE, IN, quotes in strings', withWire(async () => {
  const byDone = await Tasks.find(query().setSortBy(['done desc', 'rank asc']).setPageSize(6))
  assert.deepEqual(byDone.map(t => t.rank), [0, 3, 6, 9, 12, 1])

  const like = await Tasks.find(query().setWhereClause("title LIKE 'task 1%'").setSortBy('rank'))
  assert.deepEqual(like.map(t => t.rank), [10, 11, 12, 13, 14])

  const inList = await Tasks.find(query().setWhereClause('rank in (2, 4, 99)').setSortBy('rank'))
  assert.deepEqual(inList.map(t => t.rank), [2, 4])

  const quoted = await Tasks.save({ title: "Charlie's task", rank: 100, done: false })
  const found = await Tasks.find(query().setWhereClause("title = 'Charlie''s task'"))
  assert.equal(found.length, 1)
  assert.equal(found[0].objectId, quoted.objectId)
  await Tasks.remove(quoted)
}))

test('find with props returns only those properties', withWire(async () => {
  const page = await Tasks.find(query().setProperties(['title']).setWhereClause('rank = 2'))
  assert.equal(page.length, 1)
  assert.equal(page[0].title, title(2))
  assert.equal(page[0].rank, undefined, `rank was not asked for: ${JSON.stringify(page[0])}`)
  assert.equal(page[0].done, undefined)
}))

test('findFirst and findLast', withWire(async () => {
  const expected = defaultOrder(await Tasks.find(query().setPageSize(100)))
  const first = await Tasks.findFirst()
  assert.equal(first.objectId, expected[0].objectId)
  assert.equal(first.rank, 0, 'task 00 was saved first')
  const last = await Tasks.findLast()
  assert.equal(last.created, expected[expected.length - 1].created)
  assert.ok(last.rank >= 4, `the last one comes from the bulkCreate: ${last.rank}`)
  const firstDone = await Tasks.findFirst(query().setWhereClause('done = true and rank > 0'))
  assert.equal(firstDone.rank, 3)
}))

test('pageSize over 100 is refused with 1025; a bad where with 1017', withWire(async () => {
  await rejectsWithCode(Tasks.find(query().setPageSize(101)), 1025)
  const page = await Tasks.find(query().setPageSize(100))
  assert.equal(page.length, 15)
  await rejectsWithCode(Tasks.find(query().setWhereClause('rank >>> 3')), 1017)
}))

test('findById, and 1000 for an id that does not exist', withWire(async () => {
  const [two] = await Tasks.find(query().setWhereClause('rank = 2'))
  const byId = await Tasks.findById(two.objectId)
  assert.deepEqual(byId, two)
  await rejectsWithCode(Tasks.findById('00000000-0000-0000-0000-000000000000'), 1000)
}))

test('save with an objectId updates the object', withWire(async () => {
  const [one] = await Tasks.find(query().setWhereClause('rank = 1'))
  assert.equal(one.updated, null)
  const updated = await Tasks.save({ ...one, title: 'task 01 (renamed)', done: true })
  assert.equal(updated.objectId, one.objectId)
  assert.equal(updated.title, 'task 01 (renamed)')
  assert.equal(updated.done, true)
  assert.equal(updated.rank, 1)
  assert.equal(updated.created, one.created)
  assert.equal(typeof updated.updated, 'number')
  assert.ok(updated.updated >= one.created)

  const reread = await Tasks.findById(one.objectId)
  assert.equal(reread.title, 'task 01 (renamed)')
  assert.equal(reread.done, true)
  assert.equal(await Tasks.getObjectCount(), 15, 'an update creates nothing')

  await Tasks.save({ objectId: one.objectId, title: title(1), done: false }) // back as it was
}))

test('remove answers deletionTime; the object is gone', withWire(async () => {
  const temp = await Tasks.save({ title: 'temporary', rank: 50, done: false })
  const before = Date.now()
  const removed = await Tasks.remove(temp)
  assert.equal(typeof removed.deletionTime, 'number', JSON.stringify(removed))
  assert.ok(Math.abs(removed.deletionTime - before) < 60000, `deletionTime ${removed.deletionTime}`)
  await rejectsWithCode(Tasks.findById(temp.objectId), 1000)
  assert.equal(await Tasks.getObjectCount('rank = 50'), 0)
  // Removing it again: it does not exist.
  await rejectsWithCode(Tasks.remove(temp.objectId), 1000)
}))

test('bulkUpdate by where answers the count and changes those rows only', withWire(async () => {
  const changed = await Tasks.bulkUpdate('rank < 3', { done: true })
  assert.equal(changed, 3)
  assert.equal(await Tasks.getObjectCount('done = true'), 7) // 0 1 2 3 6 9 12
  const rows = await Tasks.find(query().setWhereClause('rank < 4').setSortBy('rank'))
  assert.deepEqual(rows.map(t => t.done), [true, true, true, true])
  assert.ok(rows.slice(1, 3).every(t => typeof t.updated === 'number'), 'updated is set by a bulk update')
  assert.equal(await Tasks.bulkUpdate("title = 'nothing'", { done: false }), 0)
}))

test('bulkDelete by where and by a list of objects', withWire(async () => {
  assert.equal(await Tasks.bulkDelete('rank >= 12'), 3)
  assert.equal(await Tasks.getObjectCount(), 12)

  const [ten, eleven] = await Tasks.find(query().setWhereClause('rank in (10, 11)').setSortBy('rank'))
  assert.equal(await Tasks.bulkDelete([ten, eleven.objectId]), 2)
  assert.equal(await Tasks.getObjectCount(), 10)
  assert.deepEqual((await Tasks.find(query().setSortBy('rank desc').setPageSize(2))).map(t => t.rank), [9, 8])
}))

test('the REST key sees the same data', withWire(async () => {
  const rest = standalone(server, 'REST')
  await rest.UserService.login(ALICE.email, ALICE.password)
  assert.equal(await rest.Data.of('Task').getObjectCount(), 10)
  const saved = await rest.Data.of('Task').save({ title: 'via REST', rank: 77, done: false })
  assert.equal(saved.ownerId, alice.objectId)
  assert.equal((await Tasks.findById(saved.objectId)).title, 'via REST')
  await rest.Data.of('Task').remove(saved)
  await rest.UserService.logout()
}))

test('a role-specific grant: Editor uses Note', withWire(async () => {
  const Notes = Backendless.Data.of('Note')
  const note = await Notes.save({ text: 'hello' })
  assert.match(note.objectId, GUID)
  assert.equal(note.text, 'hello')
  assert.equal(await Notes.getObjectCount(), 1)
  assert.deepEqual((await Notes.find()).map(n => n.text), ['hello'])
}))

test('Customer is denied Task and Note: 1013 find, 1011 create, 1012 update, 1014 delete', withWire(async () => {
  const client = standalone(server)
  await client.UserService.login(BORIS.email, BORIS.password)
  const T = client.Data.of('Task')
  const [some] = await Tasks.find(query().setPageSize(1))

  await rejectsWithCode(T.find(), 1013, 'find Task')
  await rejectsWithCode(T.find(query().setWhereClause('rank > 1')), 1013, 'find Task with where')
  await rejectsWithCode(T.getObjectCount(), 1013, 'count Task')
  await rejectsWithCode(T.findById(some.objectId), 1013, 'findById Task')
  await rejectsWithCode(T.save({ title: 'boris was here', rank: 1 }), 1011, 'create Task')
  await rejectsWithCode(T.save({ objectId: some.objectId, title: 'boris was here' }), 1012, 'update Task')
  await rejectsWithCode(T.remove(some.objectId), 1014, 'delete Task')
  await rejectsWithCode(T.bulkCreate([{ title: 'x' }]), 1011, 'bulkCreate Task')
  await rejectsWithCode(T.bulkUpdate('rank > 0', { done: false }), 1012, 'bulkUpdate Task')
  await rejectsWithCode(T.bulkDelete('rank > 0'), 1014, 'bulkDelete Task')

  // Note has no rule for Customer at all: nothing matched means deny.
  await rejectsWithCode(client.Data.of('Note').find(), 1013, 'find Note')
  await rejectsWithCode(client.Data.of('Note').save({ text: 'no' }), 1011, 'create Note')

  // And nothing changed.
  assert.equal(await Tasks.getObjectCount(), 10)
  assert.equal(await Tasks.getObjectCount("title = 'boris was here'"), 0)
  assert.equal(await Backendless.Data.of('Note').getObjectCount(), 1)
  await client.UserService.logout()
}))

test('Customer is denied with the REST key too', withWire(async () => {
  const client = standalone(server, 'REST')
  await client.UserService.login(BORIS.email, BORIS.password)
  await rejectsWithCode(client.Data.of('Task').find(), 1013)
  await rejectsWithCode(client.Data.of('Task').save({ title: 'x' }), 1011)
  await client.UserService.logout()
}))

test('no signed-in user: NotAuthenticatedUser has no grant (1013, 1011)', withWire(async () => {
  const anonymous = standalone(server)
  await rejectsWithCode(anonymous.Data.of('Task').find(), 1013)
  await rejectsWithCode(anonymous.Data.of('Task').save({ title: 'anonymous' }), 1011)
  await rejectsWithCode(anonymous.Data.of('Note').getObjectCount(), 1013)
}))

test('a bad user-token on a data call is 3064, not a silent anonymous call', withWire(async () => {
  const client = standalone(server)
  await client.UserService.login(ALICE.email, ALICE.password)
  client.UserService.setCurrentUserToken('0123456789abcdef-not-a-token')
  await rejectsWithCode(client.Data.of('Task').find(), 3064)
}))
