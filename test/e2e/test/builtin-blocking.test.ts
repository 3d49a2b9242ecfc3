import path from 'node:path'
import { APIError, OpenAI } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway, writeTempFiles } from '../src/harness.ts'

const BUILTIN = '@iochain/filters-builtin'

// Records what a filter without the credentials grant sees after ApiKeyAuth ran.
const PROBE = `
import type { IOContext } from '@iochain/core'
const seen: unknown[] = ((globalThis as any).__iochainProbe ??= [])
export class Probe {
  onRequest(ctx: IOContext) {
    seen.push({ authorization: ctx.headers.authorization, identity: ctx.metadata.identity })
  }
}
`
const probeSeen = (): any[] => ((globalThis as any).__iochainProbe ??= [])

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof APIError) return err
    throw err
  }
  throw new Error('the request succeeded where an error was expected')
}

const ask = (client: OpenAI, content: string, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({
    model: 'mock-model',
    messages: [{ role: 'user', content }],
    ...extra,
  })

describe('ApiKeyAuth, RequestPolicy and PiiGuard through the gateway', () => {
  let t: TestGateway
  const client = (apiKey: string) => new OpenAI({ baseURL: t.baseURL, apiKey, maxRetries: 0 })

  beforeAll(async () => {
    const dir = writeTempFiles({ 'keys.txt': 'alice sk-alice-0001\n', 'probe.ts': PROBE })
    t = await startTestGateway({
      filters: [
        {
          use: `${BUILTIN}:ApiKeyAuth`,
          credentials: true,
          options: { keysFile: path.join(dir, 'keys.txt') },
        },
        `${path.join(dir, 'probe.ts')}:Probe`,
        {
          use: `${BUILTIN}:RequestPolicy`,
          options: { allowModels: ['mock-*'], maxTokens: 50, forbiddenParams: ['logit_bias'] },
        },
        `${BUILTIN}:PiiGuard`,
      ],
    })
  })
  afterAll(() => t?.close())

  it("refuses a wrong or missing key with OpenAI's invalid_api_key error", async () => {
    const err = await apiError(ask(client('sk-wrong'), 'hello'))
    expect(err.status).toBe(401)
    expect(err.code).toBe('invalid_api_key')
    expect(err.type).toBe('invalid_request_error')
    expect(err.message).not.toContain('sk-wrong')

    // The openai client insists on a key, so the request without one is sent by hand.
    const res = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      error: {
        message: expect.stringContaining("You didn't provide an API key"),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })
  })

  it('passes the identity on and keeps the key from other filters', async () => {
    const before = probeSeen().length
    const answer = await ask(client('sk-alice-0001'), 'hello')
    expect(answer.choices[0]?.message.content).toBeTruthy()
    expect(probeSeen().slice(before)).toEqual([{ authorization: '[redacted]', identity: 'alice' }])
  })

  it('answers a policy violation with a 400 naming the field', async () => {
    const alice = client('sk-alice-0001')
    const model = await apiError(ask(alice, 'hi', { model: 'gpt-4o' }))
    expect([model.status, model.param, model.code]).toEqual([400, 'model', 'model_not_allowed'])
    const tokens = await apiError(ask(alice, 'hi', { max_tokens: 51 }))
    expect([tokens.status, tokens.param]).toEqual([400, 'max_tokens'])
    const param = await apiError(ask(alice, 'hi', { logit_bias: { '42': 1 } }))
    expect([param.status, param.param]).toEqual([400, 'logit_bias'])
  })

  it('refuses personal data with the types found and never the values', async () => {
    const prompt = 'My card is 4111 1111 1111 1111 and my SSN 123-45-6789'
    const err = await apiError(ask(client('sk-alice-0001'), prompt))
    expect([err.status, err.code, err.param]).toEqual([400, 'pii_detected', 'messages'])
    expect(err.message).toContain('card, ssn')
    expect(err.message).not.toContain('4111')
  })
})

describe('ApiKeyAuth without the credentials grant', () => {
  it('stops start-up with an error that says what to set', async () => {
    const dir = writeTempFiles({ 'keys.txt': 'alice sk-alice-0001\n' })
    const start = startTestGateway({
      filters: [
        { use: `${BUILTIN}:ApiKeyAuth`, options: { keysFile: path.join(dir, 'keys.txt') } },
      ],
    })
    await expect(start).rejects.toThrow(/set `credentials: true` on its filter entry/)
  })
})

describe('RateLimit with the memory store through the gateway', () => {
  let t: TestGateway
  afterAll(() => t?.close())

  it('answers 429 with retry-after and x-ratelimit headers', async () => {
    t = await startTestGateway({
      filters: [
        {
          use: `${BUILTIN}:RateLimit`,
          options: { by: 'client', requests: { limit: 2, windowMs: 60_000 } },
        },
      ],
    })
    await ask(t.client, 'one')
    await ask(t.client, 'two')
    const err = await apiError(ask(t.client, 'three'))
    expect([err.status, err.code, err.type]).toEqual([
      429,
      'rate_limit_exceeded',
      'rate_limit_error',
    ])
    expect(err.headers?.get('retry-after')).toMatch(/^(59|60)$/)
    expect(err.headers?.get('x-ratelimit-limit-requests')).toBe('2')
    expect(err.headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(err.headers?.get('x-ratelimit-reset-requests')).toMatch(/s$/)
  })
})

describe('RateLimit counts the tokens of streams', () => {
  let t: TestGateway
  afterAll(() => t?.close())

  it('adds the usage a stream reports and refuses once the window is spent', async () => {
    t = await startTestGateway({
      filters: [
        {
          use: `${BUILTIN}:RateLimit`,
          options: { by: 'global', tokens: { limit: 30, windowMs: 60_000 } },
        },
      ],
    })
    // The mock counts words: 2 prompt tokens and 10 completion tokens per request.
    const streamOnce = async () => {
      const stream = await t.client.chat.completions.create({
        model: 'mock-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'count me' }],
      })
      let usage: unknown
      for await (const chunk of stream) usage = chunk.usage ?? usage
      return usage
    }
    expect(await streamOnce()).toMatchObject({ total_tokens: 12 })
    await streamOnce()
    await streamOnce() // 24 used before it: still allowed, and it brings the window to 36
    const err = await apiError(streamOnce())
    expect(err.status).toBe(429)
    expect(err.headers?.get('x-ratelimit-limit-tokens')).toBe('30')
    expect(err.headers?.get('x-ratelimit-remaining-tokens')).toBe('0')
  })

  it('counts a stream the client cancelled, from the text it received', async () => {
    const c = await startTestGateway({
      mock: { chunkDelayMs: 30 },
      filters: [
        {
          use: `${BUILTIN}:RateLimit`,
          options: { by: 'global', tokens: { limit: 1, windowMs: 60_000 } },
        },
      ],
    })
    try {
      const stream = await c.client.chat.completions.create({
        model: 'mock-model',
        stream: true,
        messages: [{ role: 'user', content: 'hello there' }],
      })
      for await (const _ of stream) break
      // onResponse runs once the gateway has seen the client go away.
      await expect.poll(() => statusOf(ask(c.client, 'again')), { timeout: 5_000 }).toBe(429)
    } finally {
      await c.close()
    }
  })
})

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise
    return 200
  } catch (err) {
    if (err instanceof APIError && err.status !== undefined) return err.status
    throw err
  }
}
