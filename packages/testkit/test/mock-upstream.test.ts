import { request } from 'node:http'
import type { IOContext } from '@iochain/core'
import OpenAI, { APIError } from 'openai'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway, type TestGateway } from '../src/gateway.ts'
import { type MockUpstream, startMockUpstream } from '../src/mock-upstream/mock-upstream.ts'

const chunk = (content: string, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: { content }, finish_reason: finish }],
})

/** Records what onResponse saw, and resolves once it ran. */
function observer() {
  const seen: IOContext[] = []
  let ran!: () => void
  const done = new Promise<void>((resolve) => {
    ran = resolve
  })
  return {
    seen,
    done,
    filter: {
      name: 'Observer',
      onResponse(ctx: IOContext) {
        seen.push(ctx)
        ran()
      },
    },
  }
}

function post(url: string, body: unknown): Promise<{ status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } })
    req.once('response', async (res) => {
      const parts: Buffer[] = []
      for await (const part of res) parts.push(part as Buffer)
      resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(parts) })
    })
    req.once('error', reject)
    req.end(JSON.stringify(body))
  })
}

const chatBody = { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }

let gw: TestGateway | undefined
let upstream: MockUpstream | undefined
afterEach(async () => {
  await gw?.close()
  await upstream?.close()
  gw = upstream = undefined
})

function clientFor(gateway: TestGateway): OpenAI {
  return new OpenAI({ baseURL: gateway.url, apiKey: 'test-key', maxRetries: 0 })
}

describe('startMockUpstream', () => {
  it('sends exact bytes in the pieces asked for, and the gateway relays them unchanged', async () => {
    const text = `data: ${JSON.stringify(chunk('Grüße'))}\n\ndata: ${JSON.stringify(chunk('!', 'stop'))}\n\ndata: [DONE]\n\n`
    const bytes = Buffer.from(text)
    // Cuts inside the multi-byte `ü` and inside the `\n\n` separator.
    const splitAt = [bytes.indexOf('ü') + 1, bytes.indexOf('\n\n') + 1, bytes.length - 3]
    const obs = observer()
    gw = await startGateway({
      filters: [obs.filter],
      upstream: { body: bytes, splitAt, delayMs: 5 },
    })
    const answer = await post(`${gw.url}/chat/completions`, chatBody)
    await obs.done
    expect(answer.status).toBe(200)
    expect(answer.bytes.equals(bytes)).toBe(true)
    expect(obs.seen[0]?.outcome.kind).toBe('ok')
    expect(obs.seen[0]?.response?.body).toMatchObject({
      choices: [{ message: { content: 'Grüße!' }, finish_reason: 'stop' }],
    })
  })

  it('streams events to the openai client and records the request', async () => {
    gw = await startGateway({
      upstream: { events: [chunk('Hel'), chunk('lo', 'stop')], delayMs: [0, 10] },
    })
    const stream = await clientFor(gw).chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    let text = ''
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ''
    expect(text).toBe('Hello')
    const [recorded] = gw.upstream!.requests
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/chat/completions' })
    expect(recorded?.json).toMatchObject({ model: 'm', stream: true })
    expect(recorded?.headers['x-request-id']).toBeTruthy()
  })

  it('drops the connection mid-stream: the client fails, the filter sees an error', async () => {
    const obs = observer()
    gw = await startGateway({
      filters: [obs.filter],
      upstream: { events: [chunk('a'), chunk('b'), chunk('c')], dropAfter: 2 },
    })
    const consume = async () => {
      const stream = await clientFor(gw!).chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      })
      for await (const _ of stream) {
        // read to the end
      }
    }
    await expect(consume()).rejects.toThrow()
    await obs.done
    expect(obs.seen[0]?.outcome).toMatchObject({ kind: 'error', code: 'upstream_stream_failed' })
  })

  it('answers scripted errors with their status in the OpenAI shape', async () => {
    const obs = observer()
    gw = await startGateway({
      filters: [obs.filter],
      upstream: { status: 429, error: { message: 'slow down', code: 'rate_limit_exceeded' } },
    })
    const call = clientFor(gw).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    })
    await expect(call).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' })
    await expect(call).rejects.toBeInstanceOf(APIError)
    await obs.done
    expect(obs.seen[0]?.outcome).toMatchObject({ kind: 'error', status: 429 })
  })

  it('uses a list in turn, then falls back to the mock model', async () => {
    upstream = await startMockUpstream([{ json: { scripted: 1 } }, { drop: true }])
    gw = await startGateway({ upstream })
    const first = await post(`${gw.url}/chat/completions`, { ...chatBody, stream: false })
    expect(JSON.parse(first.bytes.toString())).toEqual({ scripted: 1 })
    const second = await post(`${gw.url}/chat/completions`, { ...chatBody, stream: false })
    expect(second.status).toBe(502)
    const third = await clientFor(gw).chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(third.choices[0]?.message.content).toBeTruthy()
    expect(upstream.requests).toHaveLength(3)
  })

  it('answers from a function of the request, and the mock model where it returns nothing', async () => {
    upstream = await startMockUpstream((request) =>
      request.path.endsWith('/embeddings') ? { status: 503, error: 'warming up' } : undefined,
    )
    gw = await startGateway({ upstream: upstream.url })
    const client = clientFor(gw)
    await expect(
      client.embeddings.create({ model: 'mock-embedding', input: 'hi' }),
    ).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/warming up/) })
    const chat = await client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(chat.choices[0]?.message.content).toBeTruthy()
    upstream.setScript({ latencyMs: 20, json: { replaced: true } })
    const replaced = await post(`${gw.url}/chat/completions`, { ...chatBody, stream: false })
    expect(JSON.parse(replaced.bytes.toString())).toEqual({ replaced: true })
  })

  it('records a request the client abandoned', async () => {
    const obs = observer()
    upstream = await startMockUpstream({ events: [chunk('a'), chunk('b')], delayMs: 60_000 })
    gw = await startGateway({ filters: [obs.filter], upstream })
    const controller = new AbortController()
    const stream = await clientFor(gw).chat.completions.create(
      { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    )
    for await (const _ of stream) {
      controller.abort()
    }
    await obs.done
    expect(obs.seen[0]?.outcome.kind).toBe('cancelled')
    await vi.waitFor(() => expect(upstream?.requests[0]?.aborted).toBe(true))
  })
})

describe('startGateway', () => {
  it('loads filters by spec and answers their rejections', async () => {
    gw = await startGateway({
      filters: [{ use: './fixtures/filters.ts:MaxTokens', options: { max: 10 } }],
      baseDir: import.meta.dirname,
    })
    const call = clientFor(gw).chat.completions.create({
      model: 'm',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    })
    await expect(call).rejects.toMatchObject({ status: 400, code: 'max_tokens_too_large' })
    expect(gw.upstream?.requests).toHaveLength(0)
  })
})
