import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTempFiles } from '../src/harness.ts'

// The example an operator copies: examples/gateway.config.yaml, run by the real CLI.
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@iochain/cli/package.json')),
  'dist/bin.js',
)
const DEMO_KEY = 'sk-iochain-demo'
// The example's second key is stored as the SHA-256 digest of this one.
const HASHED_KEY = 'password'
const hi = [{ role: 'user' as const, content: 'hi' }]

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

// A copy in a folder of its own, so the audit file lands there; only the metrics port changes.
async function exampleFolder(): Promise<{ dir: string; metricsPort: number }> {
  const metricsPort = await freePort()
  const config = readFileSync(path.join(EXAMPLES, 'gateway.config.yaml'), 'utf8')
  expect(config).toContain('port: 9464')
  const dir = writeTempFiles({
    'gateway.config.yaml': config.replace('port: 9464', `port: ${metricsPort}`),
    'api-keys.txt': readFileSync(path.join(EXAMPLES, 'api-keys.txt'), 'utf8'),
  })
  return { dir, metricsPort }
}

describe('iochain run with examples/gateway.config.yaml', () => {
  let child: ChildProcess
  let output = ''
  let baseURL = ''
  let dir = ''
  let metricsUrl = ''
  let exited: Promise<number | null>
  const client = (apiKey: string) => new OpenAI({ baseURL, apiKey, maxRetries: 0 })
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err) => err,
    )

  beforeAll(async () => {
    const folder = await exampleFolder()
    dir = folder.dir
    metricsUrl = `http://127.0.0.1:${folder.metricsPort}/metrics`
    child = spawn(
      process.execPath,
      [BIN, 'run', '--config', 'gateway.config.yaml', '--port', '0'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    exited = new Promise((resolve) => child.once('exit', resolve))
    child.stderr!.on('data', (chunk) => {
      output += String(chunk)
    })
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output += `${line}\n`
        const { url } = JSON.parse(line) as { url?: string }
        if (url) resolve(url)
      })
      child.once('exit', (code) => reject(new Error(`iochain exited with ${code}: ${output}`)))
    })
    baseURL = `${url}/v1`
  })

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })

  it('answers 401 invalid_api_key without a known key, and serves both example keys', async () => {
    // Paths other than the inference endpoints pass through untouched, keys or not.
    expect(await refusal(client('sk-wrong').models.list())).toBeUndefined()
    const wrong = await refusal(
      client('sk-wrong').chat.completions.create({ model: 'mock-1', messages: hi }),
    )
    expect(wrong).toBeInstanceOf(APIError)
    expect(wrong).toMatchObject({ status: 401, code: 'invalid_api_key' })
    // The openai client insists on a key; a bare request has none.
    const bare = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-1', messages: hi }),
    })
    expect(bare.status).toBe(401)
    expect(await bare.json()).toMatchObject({ error: { code: 'invalid_api_key' } })
    for (const key of [DEMO_KEY, HASHED_KEY]) {
      const answer = await client(key).chat.completions.create({ model: 'mock-1', messages: hi })
      expect(answer.choices[0]?.message.content).toContain('mock model')
    }
  })

  it('streams, and refuses policy and personal data with a 400 naming the field', async () => {
    const stream = await client(DEMO_KEY).chat.completions.create({
      model: 'mock-1',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toContain('mock model')

    const demo = client(DEMO_KEY).chat.completions
    const cases: Array<[Promise<unknown>, string, string]> = [
      [demo.create({ model: 'gpt-4o', messages: hi }), 'model', 'model_not_allowed'],
      [
        demo.create({ model: 'mock-1', messages: hi, max_tokens: 5000 }),
        'max_tokens',
        'max_tokens_exceeded',
      ],
      [
        demo.create({ model: 'mock-1', messages: hi, logit_bias: { 1: 2 } }),
        'logit_bias',
        'parameter_not_allowed',
      ],
      [
        demo.create({
          model: 'mock-1',
          messages: [{ role: 'user', content: 'IBAN DE89 3704 0044 0532 0130 00' }],
        }),
        'messages',
        'pii_detected',
      ],
    ]
    // Caught at once: the calls run together, and a later one may fail before an earlier ends.
    const answers = cases.map(([call, param, code]) => [refusal(call), param, code] as const)
    for (const [answer, param, code] of answers) {
      expect(await answer).toMatchObject({ status: 400, param, code })
    }
    // PiiGuard in the example blocks cards, IBANs and SSNs only; PiiScanner counts the rest.
    const email = 'write to jane@example.com'
    await demo.create({ model: 'mock-1', messages: [{ role: 'user', content: email }] })
  })

  it('answers 429 with OpenAI-style headers once the identity spent its requests', async () => {
    const chat = client(HASHED_KEY).chat.completions
    let limited: unknown
    for (let i = 0; i < 61 && limited === undefined; i++) {
      limited = await refusal(chat.create({ model: 'mock-1', messages: hi }))
    }
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded' })
    const headers = (limited as APIError).headers
    expect(headers?.get('x-ratelimit-limit-requests')).toBe('60')
    expect(headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(Number(headers?.get('retry-after'))).toBeGreaterThan(0)
    // Another identity has its own window.
    await client(DEMO_KEY).chat.completions.create({ model: 'mock-1', messages: hi })
  })

  it('serves metrics, PiiScanner counts included, on the configured port', async () => {
    const text = await (await fetch(metricsUrl)).text()
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1],
      )
    const labels = 'endpoint="chat.completions",model="mock-1"'
    expect(value(`iochain_requests_total{${labels},outcome="rejected",status="401"}`)).toBe(2)
    expect(value(`iochain_rejections_total{filter="RateLimit",code="rate_limit_exceeded"}`)).toBe(1)
    expect(value('iochain_pii_detections_total{type="email",part="request"}')).toBeGreaterThan(0)
    expect(value(`iochain_tokens_total{${labels},kind="completion"}`)).toBeGreaterThan(0)
  })

  it('writes every request to the audit file by shutdown, and never a key', async () => {
    // Each request the metrics counted must have its record.
    let counted = 0
    for (const line of (await (await fetch(metricsUrl)).text()).split('\n')) {
      if (line.startsWith('iochain_requests_total{')) counted += Number(line.split(' ')[1])
    }
    expect(counted).toBeGreaterThan(60)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const lines = readFileSync(path.join(dir, 'audit/audit.jsonl'), 'utf8').trim().split('\n')
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toHaveLength(counted)
    const identities = new Set(records.map((r) => r.identity))
    expect(identities).toEqual(new Set([null, 'demo', 'batch']))
    expect(records.filter((r) => r.rejectedBy === 'PiiGuard')).toHaveLength(1)
    expect(records.some((r) => r.stream === true && r.outcome === 'ok')).toBe(true)
    for (const text of [output, lines.join('\n')]) {
      expect(text).not.toContain(DEMO_KEY)
      expect(text).not.toContain('jane@example.com')
    }
  })
})
