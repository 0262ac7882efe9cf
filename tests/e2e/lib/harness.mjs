// The end-to-end harness: starts a real `cloudkeep dev` server on a temporary
// copy of tests/e2e/app, hands out SDK clients pointed at it, records what the
// SDK sent and what came back (shown when a test fails), and stops the server
// by its PID at the end.
//
// Environment:
//   CLOUDKEEP_BIN  the binary to run (default <repo>/build/release/cloudkeep)
//   E2E_WIRE=1     print every request/response the SDK makes to stderr
//   E2E_KEEP=1     keep the temporary folder (server log, data) after the run

import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'

const require = createRequire(import.meta.url)
export const Backendless = require('backendless')

const here = path.dirname(fileURLToPath(import.meta.url))
export const e2eDir = path.resolve(here, '..')
export const repoRoot = path.resolve(e2eDir, '../..')
const appTemplate = path.join(e2eDir, 'app')

// Dev users of tests/e2e/app/cloudkeep.json.
export const ALICE = { email: 'alice@example.com', password: 'alice-pass-1' } // roles: Editor
export const BORIS = { email: 'boris@example.com', password: 'boris-pass-1' } // roles: Customer

export const GUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/

// --- The wire log -----------------------------------------------------------
//
// backendless-request sends every SDK call through its static `send`; wrapping
// it records each exchange without changing it.

const wire = []
const WIRE_KEEP = 50

function describeBody(body) {
  if (body == null || body === '') return ''
  if (typeof body === 'string') return body.length > 600 ? `${body.slice(0, 600)}... (${body.length} chars)` : body
  if (Buffer.isBuffer(body)) return `<${body.length} bytes>`
  if (typeof body.getHeaders === 'function') return '<multipart/form-data>'
  return String(body)
}

function redactHeaders(headers) {
  const out = { ...headers }
  if (out['user-token']) out['user-token'] = `${String(out['user-token']).slice(0, 6)}...`
  return out
}

function installWireLog(Request) {
  if (Request.__ckWire) return
  const send = Request.send
  Request.send = function (reqPath, method, headers, body, ...rest) {
    const entry = {
      request: `${method} ${reqPath}`,
      headers: redactHeaders(headers),
      body: describeBody(body),
    }
    wire.push(entry)
    if (wire.length > WIRE_KEEP) wire.shift()
    return send.call(this, reqPath, method, headers, body, ...rest).then(
      res => {
        entry.status = res.status
        entry.response = `${res.status} ${describeBody(typeof res.body === 'string' ? res.body : '')}`
        if (process.env.E2E_WIRE) process.stderr.write(`${formatEntry(entry)}\n`)
        return res
      },
      error => {
        entry.response = `transport error: ${error.message}`
        if (process.env.E2E_WIRE) process.stderr.write(`${formatEntry(entry)}\n`)
        throw error
      })
  }
  Request.__ckWire = true
}
installWireLog(Backendless.Request)

function formatEntry(e) {
  return `  > ${e.request} ${JSON.stringify(e.headers)}${e.body ? `\n    ${e.body}` : ''}\n  < ${e.response ?? '(no answer yet)'}`
}

export function wireTail(n = 3) {
  return wire.slice(-n).map(formatEntry).join('\n')
}

// Wraps a test body so that a failure carries the last SDK exchanges, and a
// test that hangs (an SDK promise that never settles, a server that never
// answers) fails after TEST_TIMEOUT_MS with what was sent last.
const TEST_TIMEOUT_MS = 30000

export function withWire(fn) {
  return async (t) => {
    wire.length = 0
    let timer
    try {
      await Promise.race([
        fn(t),
        new Promise((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS)
        }),
      ])
    } catch (error) {
      const tail = wireTail()
      if (tail && error && typeof error === 'object' && !error.__ckWire) {
        error.message = `${error.message}\n  last SDK exchanges:\n${tail}`
        error.__ckWire = true
      }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }
}

// The SDK exchanges recorded since the test began, oldest first (at most the
// last 50): { request: 'GET <url>', headers, body, status, response }.
export function wireLog() {
  return [...wire]
}

// --- Assertions -------------------------------------------------------------

// Awaits `promise`, which must reject with a Backendless error of `code`.
// Returns the error.
export async function rejectsWithCode(promise, code, what = '') {
  let error
  try {
    const value = await promise
    assert.fail(`${what ? `${what}: ` : ''}expected error ${code}, got success: ${JSON.stringify(value)}`)
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e
    error = e
  }
  assert.equal(error.code, code,
    `${what ? `${what}: ` : ''}expected code ${code}, got ${error.code} (status ${error.status}): ${error.message}`)
  return error
}

// --- The server ---------------------------------------------------------------

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

// Servers still running when this process ends (a failed test, Ctrl-C, the
// time limit of tools/e2e) are killed; their folders stay for a post-mortem.
const children = new Set()
function killChildren() {
  for (const child of children) {
    try { process.kill(child.pid, 'SIGKILL') } catch { /* gone already */ }
  }
}
process.on('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren()
    process.exit(1)
  })
}

function logTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

// Starts `cloudkeep dev` on a temporary copy of tests/e2e/app and waits for
// <data>/dev.json. Returns { url, appId, keys, pid, dir, appDir, dataDir, log,
// stop() }: appDir is the app folder the server runs (a copy), dataDir its
// data folder.
export async function startServer({ timeoutMs = 20000 } = {}) {
  const bin = process.env.CLOUDKEEP_BIN || path.join(repoRoot, 'build/release/cloudkeep')
  if (!fs.existsSync(bin)) {
    throw new Error(`no cloudkeep binary at ${bin} (run tools/build release, or set CLOUDKEEP_BIN)`)
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudkeep-e2e-'))
  const appDir = path.join(dir, 'app')
  const dataDir = path.join(dir, 'data')
  // A dev run on the template itself leaves .cloudkeep/ there: not copied.
  fs.cpSync(appTemplate, appDir, { recursive: true, filter: src => path.basename(src) !== '.cloudkeep' })
  const log = path.join(dir, 'server.log')
  const out = fs.openSync(log, 'a')

  const child = spawn(bin, ['dev', appDir, '--port', '0', '--data', dataDir], {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      // Cheap password hashing: the suite logs in many times.
      CLOUDKEEP_PASSWORD_OPS: '1',
      CLOUDKEEP_PASSWORD_MEM_BYTES: '8192',
    },
  })
  fs.closeSync(out)
  children.add(child)
  let exited = null
  const exitPromise = new Promise(resolve => {
    child.on('error', error => {  // could not start it at all
      exited = { error: error.message }
      children.delete(child)
      resolve(exited)
    })
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      children.delete(child)
      resolve(exited)
    })
  })

  const devJson = path.join(dataDir, 'dev.json')
  const deadline = Date.now() + timeoutMs
  let info = null
  while (!info) {
    if (exited) {
      throw new Error(`cloudkeep dev exited (${JSON.stringify(exited)}) before writing dev.json (kept ${dir}):\n${logTail(log)}`)
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`cloudkeep dev wrote no ${devJson} within ${timeoutMs} ms (kept ${dir}):\n${logTail(log)}`)
    }
    try {
      info = JSON.parse(fs.readFileSync(devJson, 'utf8'))
    } catch {
      await sleep(25)
    }
  }
  assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'dev.json url')
  assert.match(info.appId, GUID, 'dev.json appId')
  for (const kind of ['REST', 'JS', 'IOS', 'ANDROID']) assert.match(info.keys[kind], GUID, `dev.json keys.${kind}`)

  let stopped = false
  async function stop() {
    if (stopped) return
    stopped = true
    if (!exited) process.kill(child.pid, 'SIGTERM')
    let timer
    const result = await Promise.race([
      exitPromise,
      new Promise(resolve => { timer = setTimeout(() => resolve(null), 10000) }),
    ])
    clearTimeout(timer)
    if (!result) {
      process.kill(child.pid, 'SIGKILL')
      await exitPromise
      throw new Error(`cloudkeep dev (pid ${child.pid}) did not exit within 10 s of SIGTERM (kept ${dir}):\n${logTail(log)}`)
    }
    // Gone: signalling the PID again must fail.
    assert.throws(() => process.kill(child.pid, 0), { code: 'ESRCH' }, `pid ${child.pid} still exists`)
    assert.deepEqual(result, { code: 0, signal: null },
      `cloudkeep dev should exit 0 on SIGTERM (kept ${dir}):\n${logTail(log)}`)
    if (!process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true })
    else process.stderr.write(`e2e: kept ${dir}\n`)
  }

  return { ...info, pid: child.pid, dir, appDir, dataDir, log, stop }
}

// --- The admin API and the CLI -------------------------------------------------

// The admin token the server made in its data folder.
export function adminToken(server) {
  return fs.readFileSync(path.join(server.dataDir, 'admin.token'), 'utf8').trim()
}

// One admin API call: { status, body } (body parsed when it is JSON).
export async function adminCall(server, method, target, body) {
  const res = await fetch(`${server.url}${target}`, {
    method,
    headers: {
      Authorization: `Bearer ${adminToken(server)}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed = text
  try { parsed = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: parsed }
}

// Runs the cloudkeep CLI against the server's data folder:
// { code, stdout, stderr }.
export function runCli(server, args, { timeoutMs = 20000 } = {}) {
  const bin = process.env.CLOUDKEEP_BIN || path.join(repoRoot, 'build/release/cloudkeep')
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, '--data', server.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => { stdout += chunk })
    child.stderr.on('data', chunk => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: signal ? `signal ${signal}` : code, stdout, stderr })
    })
  })
}

// --- SDK clients --------------------------------------------------------------

// Points the global Backendless at the server with the JS key, as an app does.
export function initGlobal(server) {
  Backendless.serverURL = server.url
  Backendless.initApp(server.appId, server.keys.JS)
  return Backendless
}

// A second, independent SDK instance (its own current user), e.g. for another
// user or another API key.
export function standalone(server, keyKind = 'JS') {
  return Backendless.initApp({
    serverURL: server.url,
    appId: server.appId,
    apiKey: server.keys[keyKind],
    standalone: true,
  })
}

// The base URL an app's REST calls use: <url>/<appId>/<key>.
export function appBase(server, keyKind = 'JS') {
  return `${server.url}/${server.appId}/${server.keys[keyKind]}`
}
