#!/usr/bin/env node
// Proves the packages work as a user gets them: packs the workspace packages, installs the
// tarballs into projects outside the workspace with npm, builds and tests the example filter
// package there, loads it by spec with `iochain run` and sends it requests, and tests a package
// that the installed `iochain init filter` generates.
import { execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'

const root = path.resolve(import.meta.dirname, '..')
const work = mkdtempSync(path.join(tmpdir(), 'iochain-consumer-'))
const tarballs = path.join(work, 'tarballs')
const PACKAGES = ['core', 'cli', 'testkit', 'filters-builtin']
const EXAMPLE = 'iochain-example-model-policy'

function step(text) {
  process.stderr.write(`\n== ${text}\n`)
}

function sh(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
}

function check(condition, message) {
  if (!condition) throw new Error(`consumer check failed: ${message}`)
}

/** `file:` specs for the packed `@iochain/*` tarballs, and overrides pinning every copy to them. */
function iochainDeps() {
  const deps = {}
  for (const file of readdirSync(tarballs)) {
    const match = /^iochain-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)
    if (match) deps[`@iochain/${match[1]}`] = `file:${path.join(tarballs, file)}`
  }
  return deps
}

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

// Points a package's `@iochain/*` dependencies at the tarballs, as a registry install would.
function useTarballs(dir, iochain) {
  const file = path.join(dir, 'package.json')
  const manifest = JSON.parse(readFileSync(file, 'utf8'))
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (iochain[name]) manifest[field][name] = iochain[name]
    }
  }
  for (const name of Object.keys(manifest.peerDependencies ?? {})) {
    if (iochain[name]) manifest.peerDependencies[name] = '^0.1.0'
  }
  manifest.overrides = iochain
  writeJson(file, manifest)
}

const npmInstall = (cwd) =>
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], cwd)

async function main() {
  step('pack the workspace packages')
  sh('pnpm', ['build'], root)
  mkdirSync(tarballs)
  for (const name of PACKAGES) {
    sh('pnpm', ['pack', '--pack-destination', tarballs], path.join(root, 'packages', name))
  }
  const iochain = iochainDeps()

  step(`build and test ${EXAMPLE} as its author would, outside the workspace`)
  const author = path.join(work, 'author')
  cpSync(path.join(root, 'examples/model-policy'), author, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist)$/.test(src),
  })
  useTarballs(author, iochain)
  npmInstall(author)
  sh('npm', ['run', 'check'], author)
  sh('npm', ['test'], author)
  sh('npm', ['run', 'build'], author)
  sh('npm', ['pack', '--pack-destination', tarballs, '--loglevel=error'], author)

  step(`install ${EXAMPLE} next to the iochain CLI in an application`)
  const app = path.join(work, 'app')
  mkdirSync(app)
  const example = readdirSync(tarballs).find((f) => f.startsWith(EXAMPLE))
  writeJson(path.join(app, 'package.json'), {
    name: 'consumer-app',
    private: true,
    type: 'module',
    dependencies: {
      '@iochain/cli': iochain['@iochain/cli'],
      [EXAMPLE]: `file:${path.join(tarballs, example)}`,
    },
    overrides: iochain,
  })
  npmInstall(app)
  const bin = path.join(app, 'node_modules/.bin/iochain')
  const listed = execFileSync(bin, ['filters', 'list', '--json'], { cwd: app, encoding: 'utf8' })
  const specs = JSON.parse(listed).flatMap((p) => p.filters.map((f) => f.spec))
  check(specs.includes(`${EXAMPLE}:ModelPolicy`), `filters list shows ${specs.join(', ')}`)

  step(`iochain run --filters ${EXAMPLE}:ModelPolicy`)
  const filters = `${EXAMPLE}:ModelPolicy,@iochain/filters-builtin:RequestLogger`
  await checkRun(bin, app, ['--filters', filters], {
    body: { max_tokens: 100_000 },
    status: 400,
    code: 'max_tokens_too_large',
  })

  step(`iochain validate config and run --config, with options for ${EXAMPLE}:ModelPolicy`)
  writeJson(path.join(app, 'iochain.config.json'), {
    filters: [
      { use: `${EXAMPLE}:ModelPolicy`, options: { allow: ['mock-model'] } },
      '@iochain/filters-builtin:RequestLogger',
    ],
  })
  sh(bin, ['validate', 'config', 'iochain.config.json'], app)
  await checkRun(bin, app, ['--config', 'iochain.config.json'], {
    body: { model: 'gpt-4o' },
    status: 403,
    code: 'model_not_allowed',
  })

  step('iochain init filter: the generated package passes its tests as generated')
  const scaffolded = path.join(work, 'scaffolded')
  sh(bin, ['init', 'filter', '@acme/iochain-scaffolded', scaffolded], app)
  useTarballs(scaffolded, iochain)
  npmInstall(scaffolded)
  sh('npm', ['run', 'check'], scaffolded)
  sh('npm', ['test'], scaffolded)
  process.stderr.write('\nconsumer check passed\n')
}

// Starts the gateway on a free port, sends one request it allows and one it refuses, stops it.
async function checkRun(bin, cwd, args, refusal) {
  const child = spawn(bin, ['run', '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = []
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    const url = await new Promise((resolve, reject) => {
      child.once('exit', () => reject(new Error('iochain run exited before listening')))
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line)
        const record = parseJson(line)
        if (record?.msg?.startsWith('iochain listening') && record.url) resolve(record.url)
      })
    })
    const ask = (body) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'mock-model',
          messages: [{ role: 'user', content: 'Hi' }],
          ...body,
        }),
      })
    const allowed = await ask({})
    check(allowed.status === 200, `an allowed request got ${allowed.status}`)
    const refused = await ask(refusal.body)
    const error = (await refused.json()).error
    check(
      refused.status === refusal.status && error?.code === refusal.code,
      `a refused request got ${refused.status} ${JSON.stringify(error)}`,
    )
  } finally {
    child.kill('SIGTERM')
  }
  check((await exited) === 0, 'iochain run did not stop cleanly on SIGTERM')
  const logged = lines.map(parseJson).filter((r) => r?.msg === 'request')
  check(
    logged.some((r) => r.outcome === 'rejected' && r.filter === 'ModelPolicy'),
    'the request log does not show ModelPolicy refusing a request',
  )
}

function parseJson(line) {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

try {
  await main()
} finally {
  rmSync(work, { recursive: true, force: true })
}
