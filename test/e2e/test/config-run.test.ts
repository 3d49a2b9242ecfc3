import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { createInterface } from 'node:readline'
import OpenAI, { APIError } from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { writeTempFiles } from '../src/harness.ts'

const BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@iochain/cli/package.json')),
  'dist/bin.js',
)

// An operator's folder: filters in TypeScript and the config that names them.
const POLICY = `
import { IOFilterReject, type IOContext } from '@iochain/core'
export class ModelPolicy {
  static optionsSchema = {
    type: 'object',
    required: ['allowed'],
    additionalProperties: false,
    properties: { allowed: { type: 'array', items: { type: 'string' } } },
  }
  readonly allowed: string[]
  constructor(options: { allowed: string[] }) {
    this.allowed = options.allowed
  }
  onRequest(ctx: IOContext) {
    if (!this.allowed.includes(ctx.model)) {
      throw new IOFilterReject(\`model \${ctx.model} is not allowed\`, { status: 403, code: 'model_not_allowed' })
    }
  }
}
export class Hasher {
  static worker = true
  blocking = false
  onResponse() {}
}
`

const CONFIG = (upstreamUrl: string) => `
upstream:
  url: ${upstreamUrl}
  apiKeyEnv: CONFIG_RUN_UPSTREAM_KEY
listen: { host: 127.0.0.1, port: 8080 }
filters:
  - use: ./policy.ts:ModelPolicy
    options: { allowed: [good-model] }
  - ./policy.ts:Hasher
log: { level: info }
`

interface Started {
  child: ChildProcess
  url: string
  stderr: () => string
  exited: Promise<number | null>
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

function spawnCli(cwd: string, args: string[]): Omit<Started, 'url'> {
  const child = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd,
    env: { ...process.env, CONFIG_RUN_UPSTREAM_KEY: 'sk-from-env' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let err = ''
  child.stderr!.on('data', (chunk) => {
    err += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { child, stderr: () => err, exited }
}

async function startCli(cwd: string, args: string[]): Promise<Started> {
  const started = spawnCli(cwd, args)
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: started.child.stdout! })
    lines.on('line', (line) => {
      const { url } = JSON.parse(line) as { url?: string }
      if (url?.startsWith('http://127.0.0.1')) resolve(url)
    })
    started.child.once('exit', (code) =>
      reject(new Error(`iochain exited with ${code}: ${started.stderr()}`)),
    )
  })
  return { ...started, url }
}

describe('iochain run with a config file', () => {
  let upstream: FakeUpstream | undefined
  afterEach(() => upstream?.close())

  it('finds the file, applies flag overrides and serves its chain', async () => {
    upstream = await startFakeUpstream((_seen, res) => sendJson(res, 200, chatAnswer('configured')))
    const dir = writeTempFiles({
      'policy.ts': POLICY,
      'iochain.config.yaml': CONFIG(upstream.url),
      'package.json': '{ "name": "gateway", "private": true }',
    })
    // No --config: the file is found in the current folder; --port replaces its 8080.
    const cli = await startCli(dir, ['--port', '0'])
    const client = new OpenAI({ baseURL: `${cli.url}/v1`, apiKey: 'client-key', maxRetries: 0 })

    const answer = await client.chat.completions.create({
      model: 'good-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(answer.choices[0]?.message.content).toBe('configured')
    // The key came from the variable the config names, never from the file.
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-from-env')

    const refused = await client.chat.completions
      .create({ model: 'other-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(APIError)
    expect((refused as APIError).status).toBe(403)
    expect((refused as APIError).code).toBe('model_not_allowed')
    expect(upstream.requests).toHaveLength(1)

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  })

  it('refuses to start on a broken config, printing the report with its lines', async () => {
    const dir = writeTempFiles({
      'policy.ts': POLICY,
      'broken.yaml': [
        'listen: { port: 0 }',
        'filters:',
        '  - use: ./policy.ts:ModelPolicy',
        '    options: { alowed: [good-model] }',
      ].join('\n'),
    })
    const cli = spawnCli(dir, ['--config', 'broken.yaml'])
    expect(await cli.exited).toBe(1)
    const report = cli.stderr()
    expect(report).toContain('the config is not valid; not starting')
    expect(report).toContain('filters[0].options.alowed  broken.yaml:4:16')
    expect(report).toContain('Did you mean `allowed`?  [IOC_ERR_FILTER_OPTIONS]')
    expect(report).not.toMatch(/\n\s+at /)
  })
})
