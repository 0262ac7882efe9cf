// Cloud code through the official SDK (Backendless.CustomServices.invoke) and
// plain fetch: the Customer scenario, routes with path parameters, config
// items, a multi-file bundle, typed parameters, errors, and the caller's
// token kept out of every log.
//
// The services are tests/e2e/app/services/*.js (with lib/*.js and
// lib/taxes.json), deployed by `cloudkeep dev` on start. Policy
// (tests/e2e/app/cloudkeep.json): no rule opens data:Restaurant to a client;
// Customer (boris) may invoke CustomerService, whose grants are find on
// Restaurant and find + create on Order; Order has ownerPolicy find; everyone
// may invoke MenuService; alice is an Editor, not a Customer.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'

import {
  ALICE, BORIS, GUID, adminCall, appBase, initGlobal, rejectsWithCode, runCli, standalone, startServer, withWire,
} from './lib/harness.mjs'

let server
let Backendless // the global SDK, JS key, nobody signed in
let boris // boris signed in with the JS key (standalone)
let borisUser
let alice // alice signed in with the JS key (standalone)
let aliceUser

const KINDS = ['REST', 'JS', 'IOS', 'ANDROID']
const KEY_ROLE = { REST: 'RestUser', JS: 'JSUser', IOS: 'IOSUser', ANDROID: 'AndroidUser' }
const RESTAURANTS = ['Chez Boris', 'Golden Wok', 'Pasta Vera', 'Taco Norte'] // seed/Restaurant.json, by name

before(async () => {
  server = await startServer()
  Backendless = initGlobal(server)
  boris = standalone(server)
  borisUser = await boris.UserService.login(BORIS.email, BORIS.password)
  alice = standalone(server)
  aliceUser = await alice.UserService.login(ALICE.email, ALICE.password)
})

after(async () => {
  if (server) await server.stop()
})

// A plain HTTP call to the app's REST API with `kind`'s key.
async function rest(method, path, { kind = 'REST', body, headers = {} } = {}) {
  const res = await fetch(`${appBase(server, kind)}/${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, headers: res.headers, text, json }
}

// --- The Customer scenario ----------------------------------------------------

test('a Customer is denied Restaurant directly with every key, and gets it through CustomerService', withWire(async () => {
  for (const kind of KINDS) {
    const client = standalone(server, kind)
    const user = await client.UserService.login(BORIS.email, BORIS.password)
    assert.equal(user.objectId, borisUser.objectId)

    await rejectsWithCode(client.Data.of('Restaurant').find(), 1013, `${kind}: direct find`)
    await rejectsWithCode(client.Data.of('Restaurant').getObjectCount(), 1013, `${kind}: direct count`)

    const rows = await client.CustomServices.invoke('CustomerService', 'getRestaurants')
    assert.ok(Array.isArray(rows), `${kind}: ${JSON.stringify(rows)}`)
    assert.deepEqual(rows.map(r => r.name), RESTAURANTS, kind)
    for (const r of rows) {
      assert.match(r.objectId, GUID)
      assert.equal(r.___class, 'Restaurant')
    }
    // One parameter: the body is the argument.
    const lyon = await client.CustomServices.invoke('CustomerService', 'getRestaurants', 'Lyon')
    assert.deepEqual(lyon.map(r => r.name), ['Chez Boris', 'Golden Wok'], kind)

    // The code sees who called: id, roles, key kind; the token is there, for it alone.
    const who = await client.CustomServices.invoke('CustomerService', 'whoAmI')
    assert.equal(who.appId, server.appId)
    assert.equal(who.userId, borisUser.objectId, kind)
    assert.equal(who.deviceType, kind)
    assert.equal(who.hasUserToken, true)
    assert.equal(who.httpPath, '/services/CustomerService/whoAmI')
    for (const role of ['Customer', 'AuthenticatedUser', KEY_ROLE[kind]]) {
      assert.ok(who.userRoles.includes(role), `${kind}: ${role} in ${JSON.stringify(who.userRoles)}`)
    }
    assert.ok(!who.userRoles.includes('ServerCodeUser'), JSON.stringify(who.userRoles))
    await client.UserService.logout()
  }
}))

test('an anonymous caller and a signed-in user without the role are denied the invoke', withWire(async () => {
  for (const kind of KINDS) {
    const anonymous = standalone(server, kind)
    const error = await rejectsWithCode(anonymous.CustomServices.invoke('CustomerService', 'getRestaurants'), 14008,
      `${kind}: anonymous`)
    assert.equal(error.status, 403)
  }
  await rejectsWithCode(alice.CustomServices.invoke('CustomerService', 'getRestaurants'), 14008, 'alice (Editor)')
  await rejectsWithCode(alice.CustomServices.invoke('CustomerService', 'whoAmI'), 14008, 'alice, another method')
  await rejectsWithCode(alice.Data.of('Restaurant').find(), 1013, 'alice directly')
  // The denial names the method, and (under dev) the deciding rule; it never ran.
  const r = await rest('POST', 'services/CustomerService/getRestaurants')
  assert.equal(r.status, 403)
  assert.equal(r.json.code, 14008)
  assert.match(r.json.message, /CustomerService\.getRestaurants/)
}))

test('data the service saves is owned by the caller', withWire(async () => {
  const [restaurant] = await boris.CustomServices.invoke('CustomerService', 'getRestaurants', 'Turin')
  const order = await boris.CustomServices.invoke('CustomerService', 'placeOrder',
    { restaurantId: restaurant.objectId, note: 'no onions' })
  assert.match(order.objectId, GUID)
  assert.equal(order.ownerId, borisUser.objectId, 'ownerId is the caller, not the service')
  assert.equal(order.customerId, borisUser.objectId)
  assert.equal(order.restaurantId, restaurant.objectId)
  assert.equal(order.note, 'no onions')

  // Order's ownerPolicy lets boris find his own orders directly; alice sees none of them.
  const mine = await boris.Data.of('Order').find()
  assert.ok(mine.some(o => o.objectId === order.objectId), JSON.stringify(mine))
  assert.ok(mine.every(o => o.ownerId === borisUser.objectId), JSON.stringify(mine))
  const hers = await alice.Data.of('Order').find()
  assert.ok(!hers.some(o => o.objectId === order.objectId), JSON.stringify(hers))
  // Direct writes are still not boris's to make.
  await rejectsWithCode(boris.Data.of('Order').save({ note: 'direct' }), 1011, 'direct create')
}))

test('bl-execution-type async: 202 at once, and the call still runs on behalf of the caller', withWire(async () => {
  const [restaurant] = await boris.CustomServices.invoke('CustomerService', 'getRestaurants', 'Turin')
  const note = `async ${Date.now()}`
  const queued = await boris.CustomServices.invoke('CustomerService', 'placeOrder',
    { restaurantId: restaurant.objectId, note }, { executionType: 'async' })
  assert.equal(typeof queued.invocationId, 'string', JSON.stringify(queued))
  let order
  for (let i = 0; i < 200 && !order; i++) {
    const query = Backendless.DataQueryBuilder.create().setWhereClause(`note = '${note}'`)
    order = (await boris.Data.of('Order').find(query))[0]
    if (!order) await new Promise(resolve => setTimeout(resolve, 25))
  }
  assert.ok(order, 'the asynchronous call saved its order')
  assert.equal(order.ownerId, borisUser.objectId)
  // The permission is checked before the 202.
  await rejectsWithCode(alice.CustomServices.invoke('CustomerService', 'placeOrder',
    { restaurantId: restaurant.objectId, note }, { executionType: 'async-low-priority' }), 14008, 'alice, async')
  // So is the header itself.
  const bad = await rest('POST', 'services/CustomerService/whoAmI',
    { headers: { 'bl-execution-type': 'later', 'user-token': borisUser['user-token'] } })
  assert.equal(bad.status, 400)
  assert.match(bad.json.message, /bl-execution-type/)
}))

test("service grants stop what they do not list, and the audit log says so", withWire(async () => {
  // Listed: find on Restaurant.
  assert.deepEqual(await boris.CustomServices.invoke('CustomerService', 'tryAsServer', { op: 'find', table: 'Restaurant' }),
    { ok: true, value: RESTAURANTS.length })
  // Not listed: find on Task (which no rule denies ServerCodeUser), delete on Restaurant.
  const task = await boris.CustomServices.invoke('CustomerService', 'tryAsServer', { op: 'find', table: 'Task' })
  assert.equal(task.ok, false)
  assert.equal(task.code, 1013, JSON.stringify(task))
  const remove = await boris.CustomServices.invoke('CustomerService', 'tryAsServer', { op: 'remove', table: 'Restaurant' })
  assert.equal(remove.ok, false)
  assert.equal(remove.code, 1014, JSON.stringify(remove))
  const rows = await boris.CustomServices.invoke('CustomerService', 'getRestaurants')
  assert.equal(rows.length, RESTAURANTS.length, 'nothing was removed')

  // Entries of reads reach the audit log in batches (~50 ms apart): ask until both are there.
  const wanted = [['find', 'data:Task'], ['delete', 'data:Restaurant']]
  let denied = []
  for (let i = 0; i < 40; i++) {
    const audit = await adminCall(server, 'GET', `/admin/apps/${server.appId}/audit?limit=1000`)
    assert.equal(audit.status, 200, JSON.stringify(audit.body))
    denied = audit.body.entries.filter(e => e.service === 'CustomerService' && e.allowed === false)
    if (wanted.every(([op, resource]) => denied.some(e => e.op === op && e.resource === resource))) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  for (const [op, resource] of wanted) {
    const entry = denied.find(e => e.op === op && e.resource === resource)
    assert.ok(entry, `${op} ${resource} in ${JSON.stringify(denied)}`)
    assert.equal(entry.rule, 'services.CustomerService.grants')
    assert.equal(entry.callerUserId, borisUser.objectId)
    assert.equal(entry.method, 'tryAsServer')
    assert.match(entry.principal, /^ServerCodeUser of CustomerService/)
  }
}))

test('Backendless.asCaller() is denied where the caller is and allowed where the caller is', withWire(async () => {
  // Restaurant: the service may find it, boris may not, so asCaller() may not.
  const restaurant = await boris.CustomServices.invoke('CustomerService', 'findAsCaller', 'Restaurant')
  assert.equal(restaurant.ok, false)
  assert.equal(restaurant.code, 1013, JSON.stringify(restaurant))
  // Order: boris may find his own (ownerPolicy), and asCaller() finds just those.
  await boris.CustomServices.invoke('CustomerService', 'placeOrder',
    { restaurantId: (await boris.CustomServices.invoke('CustomerService', 'getRestaurants'))[0].objectId, note: 'x' })
  const orders = await boris.CustomServices.invoke('CustomerService', 'findAsCaller', 'Order')
  assert.equal(orders.ok, true, JSON.stringify(orders))
  assert.ok(orders.value.length >= 1)
  assert.ok(orders.value.every(o => o.ownerId === borisUser.objectId), JSON.stringify(orders))
  // Task: Customer is denied it directly.
  const task = await boris.CustomServices.invoke('CustomerService', 'findAsCaller', 'Task')
  assert.equal(task.code, 1013, JSON.stringify(task))
}))

test("the caller's token is redacted from the app log and the server log", withWire(async () => {
  const token = borisUser['user-token']
  assert.ok(typeof token === 'string' && token.length >= 32, 'boris has a token')
  const error = await rejectsWithCode(boris.CustomServices.invoke('CustomerService', 'leakToken'), 100700)
  assert.equal(error.status, 500)
  assert.ok(!error.message.includes(token), error.message)
  const ref = /ref (\S+)$/.exec(error.message)
  assert.ok(ref, error.message)

  const logs = await adminCall(server, 'GET', `/admin/apps/${server.appId}/logs`)
  assert.equal(logs.status, 200)
  assert.ok(!JSON.stringify(logs.body).includes(token), 'the token is in the app log')
  const lines = logs.body.lines.filter(l => l.invocationId === ref[1])
  assert.deepEqual(lines.map(l => [l.source, l.level]), [['console', 'info'], ['logger:leaky', 'warn'], ['invocation', 'error']],
    JSON.stringify(lines))
  assert.equal(lines[0].message, "the caller's token is [redacted]")
  assert.equal(lines[1].message, 'token again: [redacted]')
  assert.match(lines[2].message, /^CustomerService\.leakToken failed: Error: failing with \[redacted\]/)
  assert.match(lines[2].message, /services\/CustomerService\.js:\d+/, 'the admin sees where it failed')

  // The CLI shows the same lines.
  const cli = await runCli(server, ['logs', '--app', server.appId, '--json'])
  assert.equal(cli.code, 0, cli.stderr)
  assert.ok(cli.stdout.includes('[redacted]'), cli.stdout)
  assert.ok(!cli.stdout.includes(token))
  // And the server's own log, which names the failure, never had it.
  const serverLog = fs.readFileSync(server.log, 'utf8')
  const failed = serverLog.split('\n').find(l => l.includes('invocation failed') && l.includes(`id=${ref[1]}`))
  assert.ok(failed, `no "invocation failed" line for ${ref[1]} in ${server.log}`)
  assert.match(failed, /function=CustomerService\.leakToken/)
  assert.match(failed, /failing with \[redacted\]/)
  assert.ok(!serverLog.includes(token), 'the token is in the server log')
}))

// --- Routes -----------------------------------------------------------------------

test('@route routes with path parameters, by plain HTTP', withWire(async () => {
  let r = await rest('GET', 'services/MenuService/restaurants/Lyon/dishes/d7?cents=1000&spicy=true')
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, {
    city: 'Lyon', dishId: 'd7', cents: 1000, spicy: true,
    price: { cents: 1200, text: '12.00 EUR', taxRate: 20 },
    contextPathParams: { city: 'Lyon', dishId: 'd7' },
    queryParams: { cents: '1000', spicy: 'true' },
  })
  // Percent-encoded segments arrive decoded; every key kind reaches it.
  for (const kind of KINDS) {
    r = await rest('GET', `services/MenuService/restaurants/${encodeURIComponent('São Paulo')}/dishes/a%2Fb?cents=100`, { kind })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.city, 'São Paulo')
    assert.equal(r.json.dishId, 'a/b')
    assert.equal(r.json.price.taxRate, 10)
  }
  // The service's version may lead the route.
  r = await rest('GET', 'services/MenuService/1.0.0/restaurants/Turin/dishes/x?cents=100')
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.price.taxRate, 22)
  // A literal segment beats a parameter.
  r = await rest('GET', 'services/MenuService/restaurants/Lyon/dishes/special')
  assert.deepEqual(r.json, { special: 'Lyon' })
  r = await rest('PUT', 'services/MenuService/orders/o-1/status/delivered')
  assert.deepEqual(r.json, { orderId: 'o-1', status: 'delivered' })
  // The method's status code and headers.
  r = await rest('POST', 'services/MenuService/restaurants/Lyon/reviews', { body: { stars: 5, text: 'great' } })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.headers.get('location'), '/reviews/Lyon/1')
  assert.deepEqual(r.json, { city: 'Lyon', review: { stars: 5, text: 'great' } })
  // Another verb, or a path no route has: 404 with 14002.
  for (const [method, path] of [['DELETE', 'restaurants/Lyon/dishes/d7'], ['GET', 'restaurants/Lyon'],
    ['GET', 'restaurants/Lyon/dishes/d7/extra']]) {
    r = await rest(method, `services/MenuService/${path}`)
    assert.equal(r.status, 404, `${method} ${path}: ${r.text}`)
    assert.equal(r.json.code, 14002)
  }
  r = await rest('GET', 'services/NoSuchService/x')
  assert.equal(r.json.code, 14001)
}))

test("the SDK's invoke reaches routed methods by name, with the arguments by @param name", withWire(async () => {
  const dish = await Backendless.CustomServices.invoke('MenuService', 'getDish', { cents: 250, spicy: false })
  assert.equal(dish.cents, 250)
  assert.equal(dish.spicy, false)
  assert.deepEqual(dish.contextPathParams, {}, 'no path, no path parameters')
  assert.equal(dish.price.taxRate, 10)
  const review = await Backendless.CustomServices.invoke('MenuService', 'addReview', { stars: 4 })
  assert.deepEqual(review, { city: null, review: { stars: 4 } })
  assert.deepEqual(await alice.CustomServices.invoke('MenuService', 'setStatus'), {})
  // @private methods and what is not a method are not reachable.
  await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'internalHelper'), 14002)
  await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'constructor'), 14002)
  await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'noSuchMethod'), 14002)
}))

// --- Config, bundles, types ---------------------------------------------------------

test('config items: this.config holds cloudkeep.json\'s values, else the defaults', withWire(async () => {
  const config = await Backendless.CustomServices.invoke('MenuService', 'getSettings')
  // maxItems and apiKey are set in cloudkeep.json; currency and deliveries
  // keep their defaults.
  assert.deepEqual(config, { currency: 'EUR', maxItems: 5, deliveries: false, apiKey: 'partner-e2e' })
}))

test('a multi-file bundle: relative requires of .js and .json files, deployed together', withWire(async () => {
  const dish = await Backendless.CustomServices.invoke('MenuService', 'getDish', { cents: 1000 })
  assert.deepEqual(dish.price, { cents: 1100, text: '11.00 EUR', taxRate: 10 }) // lib/pricing -> lib/money, lib/taxes.json
  const versions = await adminCall(server, 'GET', `/admin/apps/${server.appId}/versions`)
  const [active] = versions.body.versions
  assert.deepEqual([...active.files].sort(), [
    'lib/models.js', 'lib/money.js', 'lib/pricing.js', 'lib/taxes.json',
    'services/CustomerService.js', 'services/MenuService.js', 'services/VersionService.js',
  ])
}))

test('PersistenceItem subclasses and addType models arrive as instances', withWire(async () => {
  const out = await Backendless.CustomServices.invoke('MenuService', 'describeDelivery', {
    dish: { name: 'Soup', price: 450 },
    address: { street: '1 Rue Neuve', city: 'Lyon' },
  })
  assert.deepEqual(out, {
    dishIsDish: true, dishIsPersistenceItem: true, addressIsAddress: true,
    text: 'Soup (450 cents) to 1 Rue Neuve, Lyon',
  })
  // Arrays of them, typed Dish[] and Array.<Address>.
  const route = await Backendless.CustomServices.invoke('MenuService', 'planRoute', {
    dishes: [{ name: 'Soup', price: 450 }, { name: 'Bread', price: 120 }],
    stops: [{ street: '2 Quai Est', city: 'Lyon' }],
  })
  assert.deepEqual(route, {
    allDishes: true, allAddresses: true,
    labels: ['Soup (450 cents)', 'Bread (120 cents)'],
    stops: ['2 Quai Est, Lyon'],
  })
  // A PersistenceItem saves itself through the service, owned by the caller.
  const saved = await alice.CustomServices.invoke('MenuService', 'saveDish', { name: 'Tarte', price: 700 })
  assert.equal(saved.isDish, true)
  assert.match(saved.objectId, GUID)
  assert.equal(saved.ownerId, aliceUser.objectId)
  assert.equal(saved.label, 'Tarte (700 cents)')
  assert.equal(saved.count, 1)
  const anonymous = await Backendless.CustomServices.invoke('MenuService', 'saveDish', { name: 'Pho', price: 900 })
  assert.equal(anonymous.ownerId, null, 'no caller, no owner')
}))

// --- Errors ---------------------------------------------------------------------------

test('a thrown Backendless.ServerCode.Error becomes the response', withWire(async () => {
  let error = await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'refuse'), 4242)
  assert.equal(error.status, 409)
  assert.equal(error.message, 'The kitchen is closed today')
  error = await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'refuseLater'), 4243)
  assert.equal(error.status, 400, 'no httpStatus: 400')
  assert.equal(error.message, 'No table free')
  const r = await rest('POST', 'services/MenuService/refuse')
  assert.equal(r.status, 409)
  assert.deepEqual(r.json, { code: 4242, message: 'The kitchen is closed today' })
}))

test('any other throw is a 500 with a safe message and no stack; the app log has the detail', withWire(async () => {
  for (const method of ['crash', 'rejectWithString']) {
    const r = await rest('POST', `services/MenuService/${method}`)
    assert.equal(r.status, 500, r.text)
    assert.deepEqual(Object.keys(r.json).sort(), ['code', 'message'])
    assert.equal(r.json.code, 100700)
    const id = r.headers.get('x-request-id')
    assert.ok(r.json.message.endsWith(`ref ${id}`), r.json.message)
    for (const secret of ['hunter2', 'internal detail', 'TypeError', '.js:', '    at ']) {
      assert.ok(!r.text.includes(secret), `${method}: "${secret}" in ${r.text}`)
    }
    const logs = await adminCall(server, 'GET', `/admin/apps/${server.appId}/logs`)
    const line = logs.body.lines.find(l => l.invocationId === id && l.source === 'invocation')
    assert.ok(line, `no app log line for ${id}`)
    assert.ok(line.message.startsWith(`MenuService.${method} failed: `), line.message)
    assert.ok(line.message.includes('internal detail'), line.message)
  }
  const error = await rejectsWithCode(Backendless.CustomServices.invoke('MenuService', 'crash'), 100700)
  assert.equal(error.status, 500)
  // The app keeps serving.
  assert.deepEqual(await Backendless.CustomServices.invoke('MenuService', 'getSettings'),
    { currency: 'EUR', maxItems: 5, deliveries: false, apiKey: 'partner-e2e' })
}))
