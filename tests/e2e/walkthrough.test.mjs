// The README's walkthrough ("Five minutes with the example"), run as a new
// user would run it: `cloudkeep dev` on a copy of examples/restaurants, then
// every `$ ` line of the section's console blocks, in order, in one bash
// session started from the copy's root. Each command's output (stdout and
// stderr) must be the lines the README shows under it; `…` in a shown line
// stands for any text (ids, tokens, times).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const bin = process.env.CLOUDKEEP_BIN || path.join(repoRoot, 'build/release/cloudkeep')
const SECTION = '## Five minutes with the example'

// The section's console blocks as [{ command, expected: [lines] }].
function walkthroughSteps() {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const start = readme.indexOf(SECTION)
  assert.notEqual(start, -1, `README.md has no "${SECTION}" section`)
  const next = readme.indexOf('\n## ', start + SECTION.length)
  const section = readme.slice(start, next === -1 ? undefined : next)
  const steps = []
  for (const block of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] })
      else if (line !== '' || steps.length === 0) steps.at(-1)?.expected.push(line)
    }
  }
  return steps
}

function matches(actual, expected) {
  if (!expected.includes('…')) return actual === expected
  const pattern = expected.split('…').map(p => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  return new RegExp(`^${pattern}$`).test(actual)
}

let work
let dev
let devOutput = ''

before(async () => {
  assert.ok(fs.existsSync(bin), `no cloudkeep binary at ${bin} (run tools/build release, or set CLOUDKEEP_BIN)`)
  for (const tool of ['bash', 'curl', 'jq']) {
    assert.equal(spawnSync('bash', ['-c', `command -v ${tool}`]).status, 0, `${tool} is missing (tools/bootstrap installs it)`)
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ck-walkthrough-'))
  const example = path.join(work, 'examples/restaurants')
  fs.cpSync(path.join(repoRoot, 'examples/restaurants'), example, {
    recursive: true,
    filter: src => path.basename(src) !== '.cloudkeep',
  })
  fs.mkdirSync(path.join(work, 'bin'))
  fs.symlinkSync(bin, path.join(work, 'bin/cloudkeep'))
  dev = spawn(bin, ['dev', 'examples/restaurants', '--port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] })
  dev.stdout.on('data', d => { devOutput += d })
  dev.stderr.on('data', d => { devOutput += d })
  const devJson = path.join(example, '.cloudkeep/dev.json')
  for (let waited = 0; !fs.existsSync(devJson); waited += 50) {
    assert.ok(waited < 30000 && dev.exitCode === null, `cloudkeep dev did not start:\n${devOutput}`)
    await new Promise(r => setTimeout(r, 50))
  }
})

after(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise(r => dev.once('exit', r))
    dev.kill('SIGINT')
    await exited
  }
  if (work && !process.env.E2E_KEEP) fs.rmSync(work, { recursive: true, force: true })
})

test("the README's walkthrough shows what the example answers", () => {
  const steps = walkthroughSteps()
  assert.ok(steps.length >= 10, `only ${steps.length} commands found in the walkthrough`)
  const marker = `@@ck-step-${process.pid}@@`
  const script = ['set -u'] // an unset variable in a shown command is a README error
  for (const step of steps) script.push(`printf '%s\\n' '${marker}'`, `{ ${step.command}\n} 2>&1`)
  const run = spawnSync('bash', ['-c', script.join('\n')], {
    cwd: work,
    env: { ...process.env, PATH: `${path.join(work, 'bin')}:${process.env.PATH}` },
    encoding: 'utf8',
    timeout: 60000,
  })
  assert.equal(run.error, undefined, String(run.error))
  const outputs = run.stdout.split(`${marker}\n`).slice(1)
  assert.equal(outputs.length, steps.length, `the walkthrough stopped early:\n${run.stdout}\n${run.stderr}`)
  steps.forEach((step, i) => {
    const text = outputs[i].replace(/\n+$/, '') // trailing blank lines are not shown
    const actual = text === '' ? [] : text.split('\n')
    const expected = step.expected
    const same = actual.length === expected.length && actual.every((line, k) => matches(line.trimEnd(), expected[k].trimEnd()))
    assert.ok(same, `$ ${step.command}\nexpected:\n${expected.join('\n')}\ngot:\n${actual.join('\n')}\n\n(server output:\n${devOutput})`)
  })
})
