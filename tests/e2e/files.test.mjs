// Files through the official SDK: upload (a file stream, a Buffer, bytes as
// base64), listing, count, exists, download by the returned URL, remove, and
// the denials outside the granted prefix.
//
// Policy (tests/e2e/app/cloudkeep.json): AuthenticatedUser may read, write,
// delete and list under /e2e; NotAuthenticatedUser may read /e2e/public; nothing
// else is granted. `cloudkeep dev` loads tests/e2e/app/files/ into storage.
//
// What the SDK accepts for upload under Node.js (it builds the multipart body
// with the `form-data` package): a file stream (fs.createReadStream, named by
// its path), a Buffer (no file name in the part: the name comes from the URL),
// or { value, options: { filename, contentType } }. Web File and Blob objects
// fail inside the SDK before any request ("source.on is not a function").
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'

import {
  ALICE, appBase, initGlobal, rejectsWithCode, standalone, startServer, withWire,
} from './lib/harness.mjs'

// Backendless's code for a file operation the caller has no permission for
// ("User has no permissions to specified resource").
const NO_FILE_PERMISSION = 4000

let server
let Backendless
let token // alice's user-token
let filesBase // <url>/<appId>/<JS key>/files

before(async () => {
  server = await startServer()
  Backendless = initGlobal(server)
  const alice = await Backendless.UserService.login(ALICE.email, ALICE.password)
  token = alice['user-token']
  filesBase = `${appBase(server, 'JS')}/files`
})

after(async () => {
  if (server) await server.stop()
})

async function download(url, { withToken = true, headers = {} } = {}) {
  const res = await fetch(url, { headers: { ...(withToken ? { 'user-token': token } : {}), ...headers } })
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, headers: res.headers, body }
}

test('upload a file stream from disk; the answer is its URL; download it by that URL', withWire(async () => {
  const local = path.join(server.dir, 'report.txt')
  fs.writeFileSync(local, 'quarterly report\n')
  const result = await Backendless.Files.upload(fs.createReadStream(local), '/e2e/docs')
  assert.deepEqual(result, { fileURL: `${filesBase}/e2e/docs/report.txt` })

  const got = await download(result.fileURL)
  assert.equal(got.status, 200)
  assert.equal(got.body.toString(), 'quarterly report\n')
  assert.equal(got.headers.get('content-length'), String('quarterly report\n'.length))
  assert.match(got.headers.get('content-type'), /^text\/plain/)
}))

test('upload a Buffer with the file name in the path; overwrite false is 6003, true replaces', withWire(async () => {
  const first = await Backendless.Files.upload(Buffer.from('hello, files'), '/e2e/docs/hello.txt')
  assert.equal(first.fileURL, `${filesBase}/e2e/docs/hello.txt`)
  assert.equal((await download(first.fileURL)).body.toString(), 'hello, files')

  await rejectsWithCode(Backendless.Files.upload(Buffer.from('again'), '/e2e/docs/hello.txt', false), 6003)
  assert.equal((await download(first.fileURL)).body.toString(), 'hello, files', 'untouched after 6003')

  const second = await Backendless.Files.upload(Buffer.from('hello, again'), '/e2e/docs/hello.txt', true)
  assert.equal(second.fileURL, first.fileURL)
  assert.equal((await download(first.fileURL)).body.toString(), 'hello, again')
}))

test('upload a Buffer with a form file name and content type', withWire(async () => {
  const json = JSON.stringify({ a: 1, list: [1, 2, 3] })
  const file = { value: Buffer.from(json), options: { filename: 'data.json', contentType: 'application/json' } }
  const result = await Backendless.Files.upload(file, '/e2e/docs/data.json')
  assert.equal(result.fileURL, `${filesBase}/e2e/docs/data.json`)
  const got = await download(result.fileURL)
  assert.equal(got.status, 200)
  assert.deepEqual(JSON.parse(got.body.toString()), { a: 1, list: [1, 2, 3] })
  assert.match(got.headers.get('content-type'), /^application\/json/)
}))

test('saveFile sends bytes as base64 (PUT files/binary); binary survives the trip', withWire(async () => {
  const bytes = Buffer.from([...Array(256).keys()])
  const url = await Backendless.Files.saveFile('/e2e/bin', 'all-bytes.bin', bytes)
  assert.equal(url, `${filesBase}/e2e/bin/all-bytes.bin`)
  const got = await download(url)
  assert.equal(got.status, 200)
  assert.equal(got.headers.get('content-length'), '256')
  assert.ok(got.body.equals(bytes), 'the same 256 bytes')

  await rejectsWithCode(Backendless.Files.saveFile('/e2e/bin', 'all-bytes.bin', bytes, false), 6003)
  const replaced = await Backendless.Files.saveFile('/e2e/bin', 'all-bytes.bin', Buffer.from('short'), true)
  assert.equal(replaced, url)
  assert.equal((await download(url)).body.toString(), 'short')
}))

test('listing: names and sizes, pattern, sub-folders, paging', withWire(async () => {
  const docs = await Backendless.Files.listing('/e2e/docs')
  assert.ok(Array.isArray(docs), JSON.stringify(docs))
  const byName = Object.fromEntries(docs.map(f => [f.name, f]))
  assert.deepEqual(Object.keys(byName).sort(), ['data.json', 'hello.txt', 'report.txt'])
  assert.equal(byName['hello.txt'].size, 'hello, again'.length)
  assert.equal(byName['hello.txt'].publicUrl, `${filesBase}/e2e/docs/hello.txt`)
  assert.equal(typeof byName['hello.txt'].createdOn, 'number')

  const txt = await Backendless.Files.listing('/e2e/docs', '*.txt')
  assert.deepEqual(txt.map(f => f.name).sort(), ['hello.txt', 'report.txt'])

  // With sub, every file below /e2e, the dev-loaded one too.
  const deep = await Backendless.Files.listing('/e2e', '*.*', true)
  const names = deep.map(f => f.name).sort()
  for (const name of ['all-bytes.bin', 'data.json', 'hello.txt', 'report.txt', 'welcome.txt']) {
    assert.ok(names.includes(name), `${name} in ${JSON.stringify(names)}`)
  }

  const page1 = await Backendless.Files.listing('/e2e/docs', '*', false, 2, 0)
  const page2 = await Backendless.Files.listing('/e2e/docs', '*', false, 2, 2)
  assert.equal(page1.length, 2)
  assert.equal(page2.length, 1)
  assert.deepEqual([...page1, ...page2].map(f => f.name).sort(), ['data.json', 'hello.txt', 'report.txt'])
}))

test('getFileCount and exists', withWire(async () => {
  assert.equal(await Backendless.Files.getFileCount('/e2e/docs'), 3)
  assert.equal(await Backendless.Files.getFileCount('/e2e/docs', '*.txt'), 2)
  assert.equal(await Backendless.Files.exists('/e2e/docs/hello.txt'), true)
  assert.equal(await Backendless.Files.exists('/e2e/docs/nope.txt'), false)
}))

test('the dev runner loaded the app folder\'s files/; /e2e/public is readable without a login', withWire(async () => {
  assert.equal(await Backendless.Files.exists('/e2e/public/welcome.txt'), true)
  const url = `${filesBase}/e2e/public/welcome.txt`
  const anonymous = await download(url, { withToken: false })
  assert.equal(anonymous.status, 200)
  assert.equal(anonymous.body.toString(), 'Welcome to the e2e app.\n')
}))

test('download: 6000 for a missing file; a private file needs a permitted user', withWire(async () => {
  const missing = await download(`${filesBase}/e2e/docs/missing.txt`)
  assert.equal(missing.status, 404)
  assert.equal(JSON.parse(missing.body.toString()).code, 6000)

  const anonymous = await download(`${filesBase}/e2e/docs/hello.txt`, { withToken: false })
  assert.equal(anonymous.status, 403)
  assert.equal(JSON.parse(anonymous.body.toString()).code, NO_FILE_PERMISSION)
}))

test('remove a file by path and by URL; removing it again is 6000', withWire(async () => {
  assert.equal(await Backendless.Files.remove('/e2e/docs/hello.txt'), 1)
  assert.equal(await Backendless.Files.exists('/e2e/docs/hello.txt'), false)
  assert.equal((await download(`${filesBase}/e2e/docs/hello.txt`)).status, 404)
  await rejectsWithCode(Backendless.Files.remove('/e2e/docs/hello.txt'), 6000)

  const { fileURL } = await Backendless.Files.upload(Buffer.from('bye'), '/e2e/docs/bye.txt')
  await Backendless.Files.remove(fileURL)
  assert.equal(await Backendless.Files.exists('/e2e/docs/bye.txt'), false)
  assert.equal(await Backendless.Files.getFileCount('/e2e/docs'), 2)
}))

test('outside the granted prefix: upload, list, exists, remove are denied with 4000', withWire(async () => {
  await rejectsWithCode(Backendless.Files.upload(Buffer.from('x'), '/private/x.txt'), NO_FILE_PERMISSION, 'upload')
  await rejectsWithCode(Backendless.Files.saveFile('/private', 'x.bin', Buffer.from('x')), NO_FILE_PERMISSION, 'saveFile')
  await rejectsWithCode(Backendless.Files.listing('/private'), NO_FILE_PERMISSION, 'listing')
  await rejectsWithCode(Backendless.Files.listing('/'), NO_FILE_PERMISSION, 'listing the root')
  await rejectsWithCode(Backendless.Files.remove('/private/x.txt'), NO_FILE_PERMISSION, 'remove')
  // A prefix is a path prefix, not a string prefix: /e2e-other is not /e2e.
  await rejectsWithCode(Backendless.Files.upload(Buffer.from('x'), '/e2e-other/x.txt'), NO_FILE_PERMISSION,
    'upload to /e2e-other')
  // The SDK resolves dot segments before sending: this arrives as /private/x.txt.
  await rejectsWithCode(Backendless.Files.upload(Buffer.from('x'), 'e2e/../private/x.txt'), NO_FILE_PERMISSION,
    'upload via ..')
}))

test('no signed-in user: writing to /e2e is denied with 4000', withWire(async () => {
  const anonymous = standalone(server)
  await rejectsWithCode(anonymous.Files.upload(Buffer.from('x'), '/e2e/docs/anon.txt'), NO_FILE_PERMISSION, 'upload')
  await rejectsWithCode(anonymous.Files.remove('/e2e/docs/report.txt'), NO_FILE_PERMISSION, 'remove')
  await rejectsWithCode(anonymous.Files.listing('/e2e/docs'), NO_FILE_PERMISSION, 'listing')
  assert.equal(await Backendless.Files.exists('/e2e/docs/report.txt'), true, 'still there')
}))
