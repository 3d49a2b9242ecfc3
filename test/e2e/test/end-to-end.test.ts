import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway, writeTempFiles } from '../src/harness.ts'

// Filters written as a user would, in TypeScript, in a folder outside the workspace. They report
// to a global array because they are loaded by jiti into this same process.
const RECORDER = `
import type { IOContext } from '@iochain/core'
type Seen = { hook: string; endpoint: string; stream: boolean; outcome: string; usage: unknown;
  body: unknown; metadata: Record<string, unknown> }
const seen: Seen[] = ((globalThis as any).__iochainSeen ??= [])
export class Recorder {
  onRequest(ctx: IOContext) {
    ctx.metadata.sawRequest = true
    seen.push({ hook: 'onRequest', endpoint: ctx.endpoint, stream: ctx.stream,
      outcome: ctx.outcome.kind, usage: ctx.usage, body: null, metadata: { ...ctx.metadata } })
  }
  onResponse(ctx: IOContext) {
    seen.push({ hook: 'onResponse', endpoint: ctx.endpoint, stream: ctx.stream,
      outcome: ctx.outcome.kind, usage: ctx.usage, body: ctx.response?.body,
      metadata: { ...ctx.metadata } })
  }
}
`

const GATES = `
import { IOFilterReject, type IOContext } from '@iochain/core'
export class Gate {
  onRequest(ctx: IOContext) {
    if (ctx.model === 'blocked-model') {
      throw new IOFilterReject('This model is blocked.', { status: 403, code: 'model_blocked', param: 'model' })
    }
    if (ctx.model === 'explode') throw new Error('secret internal detail at /srv/filters/gate.ts')
  }
}
// Holds each request's background hook until the test releases it.
const hold = ((globalThis as any).__iochainHold ??= { finished: 0, release: () => {}, gate: null })
export function Sleepy() {
  return {
    blocking: false,
    async onRequest() {
      await hold.gate
      hold.finished++
    },
  }
}
`

type Seen = {
  hook: string
  endpoint: string
  stream: boolean
  outcome: string
  usage: any
  body: any
  metadata: any
}
const seen = (): Seen[] => ((globalThis as any).__iochainSeen ??= [])

describe('a TypeScript filter loaded by spec, through the real gateway', () => {
  let t: TestGateway
  let dir: string

  beforeAll(async () => {
    dir = writeTempFiles({ 'recorder.ts': RECORDER, 'gate.ts': GATES })
    t = await startTestGateway({
      baseDir: dir,
      filters: ['./recorder.ts:Recorder', './gate.ts:Gate', './gate.ts:Sleepy'],
    })
  })
  afterAll(() => t.close())

  const lastResponse = () =>
    seen()
      .filter((s) => s.hook === 'onResponse')
      .at(-1)!

  it('sees onRequest and onResponse of a chat completion with usage', async () => {
    const before = seen().length
    const answer = await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'hello gateway' }],
    })
    expect(answer.choices[0]?.message.content).toContain('hello gateway')
    const mine = seen().slice(before)
    expect(mine.map((s) => s.hook)).toEqual(['onRequest', 'onResponse'])
    expect(mine[1]).toMatchObject({ endpoint: 'chat.completions', stream: false, outcome: 'ok' })
    expect(mine[1]!.usage).toEqual(answer.usage)
    expect(mine[1]!.metadata).toEqual({ sawRequest: true })
  })

  it('sees the aggregated body and usage of a stream after its last event', async () => {
    const stream = await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    await expect.poll(() => lastResponse().stream).toBe(true)
    const last = lastResponse()
    expect(last.outcome).toBe('ok')
    expect(last.body.choices[0].message.content).toBe(text)
    expect(last.usage).toEqual(usage)
  })

  it('sees completions and embeddings through the same hooks', async () => {
    const completion = await t.client.completions.create({
      model: 'mock-model',
      prompt: 'Say something',
      max_tokens: 3,
    })
    expect(completion.choices[0]?.finish_reason).toBe('length')
    expect(lastResponse()).toMatchObject({ endpoint: 'completions', outcome: 'ok' })
    expect(lastResponse().usage.completion_tokens).toBe(3)

    const embedding = await t.client.embeddings.create({
      model: 'mock-embedding',
      input: ['a', 'b'],
    })
    expect(embedding.data).toHaveLength(2)
    expect(lastResponse()).toMatchObject({ endpoint: 'embeddings', outcome: 'ok' })
    expect(lastResponse().usage).toEqual(embedding.usage)
  })

  it('turns IOFilterReject into an APIError with its status and code', async () => {
    const error = await t.client.chat.completions
      .create({ model: 'blocked-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err)
    expect(error).toBeInstanceOf(APIError)
    const apiError = error as APIError
    expect(apiError.status).toBe(403)
    expect(apiError.code).toBe('model_blocked')
    expect(apiError.param).toBe('model')
    expect(apiError.message).toContain('This model is blocked.')
    // The recorder ran before the gate, so it sees the rejection in onResponse.
    await expect.poll(() => lastResponse().outcome).toBe('rejected')
  })

  it('answers a filter that throws with a 500 that leaks no stack or path', async () => {
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'explode', messages: [] }),
    })
    expect(response.status).toBe(500)
    const text = await response.text()
    const body = JSON.parse(text)
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(body.error.code).toBe('filter_error')
    expect(text).not.toContain('/srv/filters')
    expect(text).not.toContain('secret internal detail')
    expect(text).not.toMatch(/at .*\.ts:\d+/)
    expect(response.headers.get('x-request-id')).toBeTruthy()
  })

  it('does not wait for a background filter that is still running', async () => {
    const hold = (globalThis as any).__iochainHold
    await t.gateway.chain.drain(5_000)
    hold.gate = new Promise<void>((resolve) => {
      hold.release = resolve
    })
    const finished = hold.finished
    const answer = await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'quick' }],
    })
    // The answer arrived while the background hook is still held.
    expect(answer.choices[0]?.message.content).toContain('quick')
    expect(hold.finished).toBe(finished)
    expect(t.gateway.chain.stats.background.pending).toBe(1)
    hold.release()
    await expect.poll(() => hold.finished).toBe(finished + 1)
  })

  it('echoes the client x-request-id', async () => {
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'my-trace-42' },
      body: JSON.stringify({ model: 'mock-model', messages: [] }),
    })
    expect(response.headers.get('x-request-id')).toBe('my-trace-42')
  })
})
