// Deploys and rollbacks of cloud code under load, and broken bundles, seen by
// the official SDK: an invocation already running finishes on the version it
// started on, the next one runs the new version; a broken bundle is refused
// with its file and line (through `cloudkeep deploy` and the admin API) and
// the version in force keeps serving.
//
// VersionService (tests/e2e/app/services/VersionService.js) answers its
// VERSION; hold(token) marks itself started in the app's cache and runs
// until release(token). The tests deploy a copy of the app folder (`next`,
// beside it: `cloudkeep dev` redeploys the folder it serves when it changes)
// with another VERSION. Everyone may invoke it (tests/e2e/app/cloudkeep.json).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

import { adminCall, initGlobal, runCli, startServer, withWire } from './lib/harness.mjs'

let server
let Backendless
let next // the app folder the tests change and deploy
const held = new Set() // tokens of hold() invocations started

before(async () => {
  server = await startServer()
  Backendless = initGlobal(server)
  next = path.join(server.dir, 'next')
  fs.cpSync(server.appDir, next, { recursive: true, filter: src => path.basename(src) !== '.cloudkeep' })
})

after(async () => {
  // A failed test may leave hold() running: end it, or stopping would wait for it.
  for (const token of held) await invoke('release', token).catch(() => {})
  if (server) await server.stop()
})

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const invoke = (method, args) => Backendless.CustomServices.invoke('VersionService', method, args)
const versionFile = () => path.join(next, 'services/VersionService.js')

// Rewrites the copy's VersionService.js to answer `version`.
function setVersion(version) {
  const text = fs.readFileSync(versionFile(), 'utf8')
  const changed = text.replace(/^const VERSION = '[^']*'$/m, `const VERSION = '${version}'`)
  assert.notEqual(changed, text, 'VersionService.js has its VERSION line')
  fs.writeFileSync(versionFile(), changed)
}

// The copy's bundle as a deploy sends it: services/*.js and lib/*.
function bundleFiles() {
  const files = {}
  for (const dir of ['services', 'lib']) {
    for (const name of fs.readdirSync(path.join(next, dir))) {
      files[`${dir}/${name}`] = fs.readFileSync(path.join(next, dir, name), 'utf8')
    }
  }
  return files
}

// Starts hold() and waits until it runs; resolves { token, startedOn, done }
// where `done` is the invocation's promise.
async function startHold() {
  const token = crypto.randomUUID()
  held.add(token)
  const done = invoke('hold', token)
  done.catch(() => {}) // awaited by the test; no unhandled rejection meanwhile
  for (let i = 0; i < 400; i++) {
    const startedOn = await invoke('started', token)
    if (startedOn !== null) return { token, startedOn, done }
    await sleep(25)
  }
  throw new Error(`hold(${token}) did not start within 10 s`)
}

test('dev deployed the app folder as version 1', withWire(async () => {
  assert.equal(await invoke('version'), 'v1')
  const versions = await adminCall(server, 'GET', `/admin/apps/${server.appId}/versions`)
  assert.equal(versions.status, 200)
  assert.equal(versions.body.active, 1)
  assert.deepEqual(versions.body.versions.map(v => v.version), [1])
}))

test('a deploy under load: in-flight invocations finish on the old version, later ones run the new', withWire(async () => {
  const first = await startHold()
  const second = await startHold()
  assert.equal(first.startedOn, 'v1')
  assert.equal(second.startedOn, 'v1')

  setVersion('v2')
  const cli = await runCli(server, ['deploy', next, '--app', server.appId, '--json'])
  assert.equal(cli.code, 0, `cloudkeep deploy: ${cli.stderr}`)
  const outcome = JSON.parse(cli.stdout)
  assert.equal(outcome.version, 2)
  const menu = outcome.services.find(s => s.name === 'MenuService')
  assert.deepEqual(menu.configItems.map(i => [i.name, i.defaultValue]),
    [['currency', 'EUR'], ['maxItems', 3], ['deliveries', false], ['apiKey', undefined]])
  const getDish = menu.methods.find(m => m.name === 'getDish')
  assert.equal(getDish.verb, 'GET')
  assert.equal(getDish.route, '/restaurants/{city}/dishes/{dishId}')

  // New invocations run v2 while the held ones still run v1.
  assert.equal(await invoke('version'), 'v2')
  assert.equal(await invoke('release', first.token), 'v2')
  assert.equal(await first.done, 'v1')
  assert.equal(await invoke('release', second.token), 'v2')
  assert.equal(await second.done, 'v1')
  assert.equal(await invoke('version'), 'v2')
}))

test('a rollback under load: the held invocation finishes on the new version, later ones run the old', withWire(async () => {
  const held = await startHold()
  assert.equal(held.startedOn, 'v2')

  const rollback = await adminCall(server, 'POST', `/admin/apps/${server.appId}/rollback`)
  assert.equal(rollback.status, 200, JSON.stringify(rollback.body))
  assert.equal(rollback.body.version, 1)

  assert.equal(await invoke('version'), 'v1')
  assert.equal(await invoke('release', held.token), 'v1')
  assert.equal(await held.done, 'v2')
  const versions = await adminCall(server, 'GET', `/admin/apps/${server.appId}/versions`)
  assert.equal(versions.body.active, 1)
  assert.deepEqual(versions.body.versions.map(v => v.version), [2, 1])

  // And forward again through the admin API, with the same answers as the CLI.
  setVersion('v3')
  const deploy = await adminCall(server, 'POST', `/admin/apps/${server.appId}/deploy`, { files: bundleFiles() })
  assert.equal(deploy.status, 200, JSON.stringify(deploy.body))
  assert.equal(deploy.body.version, 3)
  assert.equal(await invoke('version'), 'v3')
}))

test('a broken bundle is refused with its file and line, and the version in force keeps serving', withWire(async () => {
  const before = await invoke('version')
  const active = (await adminCall(server, 'GET', `/admin/apps/${server.appId}/versions`)).body.active

  // Through the CLI: a syntax error in a service file, with a new VERSION beside it.
  setVersion('broken')
  const broken = path.join(next, 'services/Broken.js')
  fs.writeFileSync(broken, "// a service that does not compile\n\nconst menu = {\n  soup: 1,,\n}\n")
  let cli = await runCli(server, ['deploy', next, '--app', server.appId])
  assert.equal(cli.code, 4, `exit code; stdout ${cli.stdout} stderr ${cli.stderr}`)
  assert.match(cli.stderr, /services\/Broken\.js:4/, cli.stderr)
  fs.rmSync(broken)

  // A file the service requires that throws at load, through the admin API.
  const files = bundleFiles()
  files['services/Broken.js'] = "const config = require('../lib/config')\nclass Broken {}\nBackendless.ServerCode.addService(Broken)\n"
  files['lib/config.js'] = "// reads its settings\n\nthrow new Error('no database configured')\n"
  let r = await adminCall(server, 'POST', `/admin/apps/${server.appId}/deploy`, { files })
  assert.equal(r.status, 400, JSON.stringify(r.body))
  assert.equal(r.body.code, 100701)
  assert.match(r.body.message, /lib\/config\.js:3/, r.body.message)
  assert.match(r.body.message, /no database configured/)

  // A bad JSDoc tag, and a require of a file the bundle does not hold.
  const tagged = bundleFiles()
  tagged['services/Tagged.js'] = 'class Tagged {\n  /**\n   * @route PATCH /x\n   */\n  m() {}\n}\nBackendless.ServerCode.addService(Tagged)\n'
  r = await adminCall(server, 'POST', `/admin/apps/${server.appId}/deploy`, { files: tagged })
  assert.equal(r.status, 400, JSON.stringify(r.body))
  assert.match(r.body.message, /services\/Tagged\.js:3/, r.body.message)
  fs.writeFileSync(broken, "\nconst missing = require('../lib/missing')\n")
  cli = await runCli(server, ['deploy', next, '--app', server.appId])
  assert.notEqual(cli.code, 0)
  assert.match(cli.stderr, /services\/Broken\.js:2/, cli.stderr)
  assert.match(cli.stderr, /lib\/missing/, cli.stderr)
  fs.rmSync(broken)

  // Nothing changed.
  assert.equal(await invoke('version'), before)
  const versions = await adminCall(server, 'GET', `/admin/apps/${server.appId}/versions`)
  assert.equal(versions.body.active, active)
  assert.deepEqual(await Backendless.CustomServices.invoke('MenuService', 'getSettings'),
    { currency: 'EUR', maxItems: 5, deliveries: false, apiKey: 'partner-e2e' })
}))
