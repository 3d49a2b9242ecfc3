import { randomUUID } from 'node:crypto'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import OpenAI, { APIError, RateLimitError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, inManifestTerms, loadFixtures, splitAt } from '../src/fixtures.ts'
import { type RecordingGateway, startRecordingGateway } from '../src/recording-gateway.ts'
import {
  type ReplayedRequest,
  type ReplayUpstream,
  startReplayUpstream,
} from '../src/replay-upstream.ts'

// Each way a stream can end, against the real gateway, seen by the client and by onResponse.
const fixtures = new Map(loadFixtures().map((f) => [f.file, f]))
const fixture = (file: string): Fixture => fixtures.get(file)!
const SSE = { 'content-type': 'text/event-stream; charset=utf-8' }

let upstream: ReplayUpstream
let gw: RecordingGateway
let client: OpenAI

beforeAll(async () => {
  upstream = await startReplayUpstream()
  gw = await startRecordingGateway(upstream.url)
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'test-key', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await upstream.close()
})

/** The bytes of a fixture up to (not including) the event holding `marker`. */
function bytesBefore(f: Fixture, marker: string): Buffer {
  const at = f.bytes.indexOf(marker)
  return f.bytes.subarray(0, f.bytes.lastIndexOf('data:', at))
}

/** The request the upstream received last, once it arrived. */
async function lastUpstreamRequest(before: number): Promise<ReplayedRequest> {
  await expect.poll(() => upstream.requests.length).toBeGreaterThan(before)
  return upstream.requests.at(-1)!
}

/** A raw streaming request; resolves with the response, whose body the caller reads. */
function rawStream(requestId: string, path = '/chat/completions'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(gw.baseURL + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    })
    req.on('response', resolve).on('error', reject)
    req.end(JSON.stringify({ model: 'm', stream: true, messages: [] }))
  })
}

/** Reads a response to its end or failure: the bytes that came, and how it stopped. */
async function drain(res: IncomingMessage): Promise<{ bytes: Buffer; failed: boolean }> {
  const parts: Buffer[] = []
  try {
    for await (const part of res) parts.push(part as Buffer)
    return { bytes: Buffer.concat(parts), failed: false }
  } catch {
    return { bytes: Buffer.concat(parts), failed: true }
  }
}

const chat = (requestId: string) =>
  client.chat.completions.create(
    { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'x-request-id': requestId } },
  )

describe('a stream that completes', () => {
  it('reaches the openai client whole; onResponse sees aggregate, usage, timings', async () => {
    const f = fixture('openai/chat_stream_usage.sse')
    upstream.play({
      headers: SSE,
      body: splitAt(f.bytes, [400, 900, 1500, 2600]).flatMap((s) => [s, 5]),
    })
    const id = randomUUID()
    let text = ''
    let usage: unknown = null
    for await (const chunk of await chat(id)) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage = chunk.usage ?? usage
    }
    expect(text).toBe('Hello! How can I help?')
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 })

    const seen = await gw.responseOf(id)
    expect(seen.outcome).toEqual({ kind: 'ok', status: 200 })
    expect(seen.usage).toEqual(usage)
    const body = seen.response!.body as any
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: text, refusal: null })
    const t = seen.timings
    expect(t.firstByteAt).toBeGreaterThanOrEqual(t.upstreamAt!)
    expect(t.firstTokenAt).toBeGreaterThanOrEqual(t.firstByteAt!)
    expect(t.finishedAt).toBeGreaterThanOrEqual(t.firstTokenAt!)
    // Ten data events before [DONE]; comments and [DONE] are not chunks.
    expect(t.chunks?.count).toBe(10)
    expect(t.chunks?.maxGapMs).toBeGreaterThanOrEqual(t.chunks!.meanGapMs)
  })

  it('runs onResponse only after the last byte was handed to the client', async () => {
    // onResponse blocks until the client has read the whole response: were it run before
    // the end was written, the client would wait for it forever.
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const held = await startRecordingGateway(upstream.url, () => released)
    try {
      const f = fixture('llama.cpp/chat_stream.sse')
      upstream.play({ headers: SSE, body: [f.bytes] })
      const res = await fetch(`${held.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
      })
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.equals(f.bytes)).toBe(true)
      expect(held.seen).toHaveLength(1)
      expect(held.seen[0]?.outcome.kind).toBe('ok')
    } finally {
      release()
      await held.close()
    }
  })

  it('is ok for a client that hangs up right after the final event', async () => {
    const f = fixture('vllm/chat_stream.sse')
    // The upstream keeps the connection open after [DONE]; the client leaves on its own.
    upstream.play({ headers: SSE, body: [f.bytes], ending: 'hang' })
    const id = randomUUID()
    const res = await rawStream(id)
    let received = ''
    for await (const part of res) {
      received += part
      if (received.includes('data: [DONE]\n\n')) break
    }
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toEqual({ kind: 'ok', status: 200 })
    expect((seen.response!.body as any).choices[0].message.content).toBe(
      'The capital of France is Paris.',
    )
  })
})

describe('a Responses API stream', () => {
  const usage = { input_tokens: 6, output_tokens: 2, total_tokens: 8 }
  const base = { id: 'resp_1', object: 'response', created_at: 1, model: 'm', output: [] }
  const item = { id: 'msg_1', type: 'message', role: 'assistant' }
  const part = { type: 'output_text', text: '', annotations: [] }
  const done = { ...item, status: 'completed', content: [{ ...part, text: 'Hi there' }] }
  const final = { ...base, status: 'completed', output: [done], usage }
  const at = { item_id: 'msg_1', output_index: 0, content_index: 0 }
  const events: object[] = [
    { type: 'response.created', response: { ...base, status: 'in_progress' } },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { ...item, status: 'in_progress', content: [] },
    },
    { type: 'response.content_part.added', ...at, part },
    { type: 'response.output_text.delta', ...at, delta: 'Hi' },
    { type: 'response.output_text.delta', ...at, delta: ' there' },
    { type: 'response.output_text.done', ...at, text: 'Hi there' },
    { type: 'response.output_item.done', output_index: 0, item: done },
    { type: 'response.completed', response: final },
  ]
  const wire = events.map(
    (e, i) =>
      `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`,
  )

  it('ends on its terminal event, with no [DONE], and reaches onResponse whole', async () => {
    upstream.play({ headers: SSE, body: wire.flatMap((w) => [w, 2]) })
    const id = randomUUID()
    const stream = await client.responses.create(
      { model: 'm', input: 'hi', stream: true },
      { headers: { 'x-request-id': id } },
    )
    const types: string[] = []
    for await (const event of stream) types.push(event.type)
    expect(types.at(-1)).toBe('response.completed')

    const seen = await gw.responseOf(id)
    expect(seen.outcome).toEqual({ kind: 'ok', status: 200 })
    expect(seen.response?.body).toEqual(final)
    expect(seen.usage).toEqual({ ...usage, prompt_tokens: 6, completion_tokens: 2 })
    expect(seen.timings.firstTokenAt).toBeGreaterThanOrEqual(seen.timings.firstByteAt!)
  })

  it('cut before its terminal event is an error with the text generated so far', async () => {
    upstream.play({ headers: SSE, body: wire.slice(0, 5), ending: 'end' })
    const id = randomUUID()
    await drain(await rawStream(id, '/responses'))
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({ kind: 'error', code: 'upstream_stream_incomplete' })
    expect((seen.response!.body as any).output[0].content[0].text).toBe('Hi there')
  })
})

describe('a compressed stream', () => {
  it('is forwarded as sent and still aggregated', async () => {
    const f = fixture('vllm/chat_stream_usage.sse')
    const packed = gzipSync(f.bytes)
    upstream.play({
      headers: { ...SSE, 'content-encoding': 'gzip' },
      body: splitAt(packed, [10, 200, 400]),
    })
    const id = randomUUID()
    const res = await rawStream(id)
    expect(res.headers['content-encoding']).toBe('gzip')
    const { bytes } = await drain(res)
    expect(bytes.equals(packed)).toBe(true)
    const seen = await gw.responseOf(id)
    expect(seen.outcome.kind).toBe('ok')
    expect((seen.response!.body as any).choices[0].message.content).toBe(
      'こんにちは！🍣は好きですか？',
    )
  })
})

describe('a client that goes away', () => {
  it('abort() mid-stream cancels once, with the partial aggregate, aborting upstream', async () => {
    const f = fixture('sglang/chat_stream.sse')
    upstream.play({ headers: SSE, body: [bytesBefore(f, '" France"')], ending: 'hang' })
    const before = upstream.requests.length
    const id = randomUUID()
    const stream = await chat(id)
    let text = ''
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (text === 'The capital of') stream.controller.abort()
    }
    const upstreamReq = await lastUpstreamRequest(before)
    await expect(upstreamReq.settled).resolves.toBe('aborted')

    const seen = await gw.responseOf(id)
    expect(seen.outcome.kind).toBe('cancelled')
    expect((seen.response!.body as any).choices[0]).toMatchObject({
      message: { content: 'The capital of' },
      finish_reason: null,
    })
    await sleep(50)
    expect(gw.seen.filter((s) => s.requestId === id)).toHaveLength(1)
  })

  it('before the upstream answered cancels once and aborts upstream', async () => {
    upstream.play({ beforeHeaders: 'hang' })
    const before = upstream.requests.length
    const id = randomUUID()
    const controller = new AbortController()
    const call = client.chat.completions.create(
      { model: 'm', stream: true, messages: [] },
      { headers: { 'x-request-id': id }, signal: controller.signal },
    )
    const upstreamReq = await lastUpstreamRequest(before)
    controller.abort()
    await expect(call).rejects.toThrow()
    await expect(upstreamReq.settled).resolves.toBe('aborted')
    const seen = await gw.responseOf(id)
    expect(seen.outcome.kind).toBe('cancelled')
    expect(gw.seen.filter((s) => s.requestId === id)).toHaveLength(1)
  })

  it('after the headers, before the first byte, cancels once and aborts upstream', async () => {
    upstream.play({ headers: SSE, body: [], ending: 'hang' })
    const before = upstream.requests.length
    const id = randomUUID()
    const res = await rawStream(id)
    const upstreamReq = await lastUpstreamRequest(before)
    res.destroy()
    await expect(upstreamReq.settled).resolves.toBe('aborted')
    const seen = await gw.responseOf(id)
    expect(seen.outcome.kind).toBe('cancelled')
    expect(seen.timings.firstByteAt).toBeUndefined()
    expect(seen.response!.body).toMatchObject({ choices: [], usage: null })
  })
})

describe('an upstream that fails mid-stream', () => {
  it('with an error event: the openai client raises it, onResponse sees error', async () => {
    const f = fixture('sglang/chat_stream_error_midstream.sse')
    upstream.play({ headers: SSE, body: [f.bytes] })
    const id = randomUUID()
    let text = ''
    const read = async () => {
      for await (const chunk of await chat(id)) text += chunk.choices[0]?.delta.content ?? ''
    }
    await expect(read()).rejects.toBeInstanceOf(APIError)
    expect(text).toBe('Once upon a')
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({
      kind: 'error',
      code: 'upstream_stream_error',
      message: 'Request aborted by the scheduler — KV cache pool exhausted, retry later.',
    })
    expect((seen.response!.body as any).choices[0].message.content).toBe('Once upon a')
  })

  it('by resetting the connection: the client gets the bytes sent and a broken end', async () => {
    const f = fixture('openai/chat_stream.sse')
    const sent = bytesBefore(f, '"finish_reason":"stop"')
    upstream.play({ headers: SSE, body: [sent], ending: 'reset' })
    const id = randomUUID()
    const { bytes, failed } = await drain(await rawStream(id))
    expect(failed).toBe(true)
    expect(bytes.equals(sent)).toBe(true)
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({ kind: 'error', code: 'upstream_stream_failed' })
    expect((seen.response!.body as any).choices[0]).toMatchObject({
      message: { content: 'Salut 👋 ça va ? 你好！' },
      finish_reason: null,
    })
  })

  it('by ending without [DONE]: the client gets no invented end; outcome error', async () => {
    const f = fixture('openai/chat_stream.sse')
    const sent = bytesBefore(f, '[DONE]')
    upstream.play({ headers: SSE, body: [sent], ending: 'end' })
    const id = randomUUID()
    const { bytes } = await drain(await rawStream(id))
    expect(bytes.equals(sent)).toBe(true)
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({ kind: 'error', code: 'upstream_stream_incomplete' })
    expect((seen.response!.body as any).choices[0].finish_reason).toBe('stop')
  })
})

describe('an upstream error before the stream starts', () => {
  it('429 with Retry-After stays 429 with Retry-After for the openai client', async () => {
    const body = '{"error":{"message":"Slow down.","type":"rate_limit_error","code":null}}'
    upstream.play({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
      body: [body],
    })
    const id = randomUUID()
    const error = await chat(id).then(
      () => null,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).status).toBe(429)
    expect((error as RateLimitError).headers?.get('retry-after')).toBe('7')
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({ kind: 'error', status: 429 })
    expect(seen.response?.headers['retry-after']).toBe('7')
  })
})

describe('the headers of a streamed answer', () => {
  it('echo the request id the filters saw, not one the upstream made up', async () => {
    const f = fixture('vllm/chat_stream.sse')
    upstream.play({ headers: { ...SSE, 'x-request-id': 'upstream-own-id' }, body: [f.bytes] })
    const id = randomUUID()
    const res = await rawStream(id)
    expect(res.headers['x-request-id']).toBe(id)
    expect((await drain(res)).bytes.equals(f.bytes)).toBe(true)
    expect((await gw.responseOf(id)).response?.headers['x-request-id']).toBe(id)
  })

  it('name a stream whatever the case of its content type', async () => {
    const f = fixture('llama.cpp/chat_stream.sse')
    upstream.play({ headers: { 'content-type': 'Text/Event-Stream' }, body: [f.bytes] })
    const id = randomUUID()
    const res = await rawStream(id)
    expect(res.statusCode).toBe(200)
    expect((await drain(res)).bytes.equals(f.bytes)).toBe(true)
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toEqual({ kind: 'ok', status: 200 })
    expect(inManifestTerms(seen.response!.body as object)).toEqual(f.expect.choices)
  })

  it('keep an error status with an event-stream body; onResponse sees upstream_error', async () => {
    const f = fixture('openai/chat_stream.sse')
    const sent = bytesBefore(f, '"finish_reason":"stop"')
    upstream.play({ status: 503, headers: { ...SSE, 'retry-after': '3' }, body: [sent] })
    const id = randomUUID()
    const res = await rawStream(id)
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('3')
    expect((await drain(res)).bytes.equals(sent)).toBe(true)
    const seen = await gw.responseOf(id)
    expect(seen.outcome).toMatchObject({ kind: 'error', status: 503, code: 'upstream_error' })
  })
})

describe('a client slower than the upstream', () => {
  it('pauses the upstream read instead of buffering the stream', async () => {
    const slice = `: ${'x'.repeat(64 * 1024 - 3)}\n`
    const slices = 1024 // 64 MiB in all
    upstream.play({ headers: SSE, body: Array(slices).fill(slice), ending: 'end' })
    const before = upstream.requests.length
    const id = randomUUID()
    const res = await rawStream(id)
    res.pause()
    const upstreamReq = await lastUpstreamRequest(before)
    // Wait until the upstream can write no more: every buffer on the way is full.
    let last = -1
    while (upstreamReq.written !== last) {
      last = upstreamReq.written
      await sleep(300)
    }
    expect(upstreamReq.written).toBeLessThan((slices * slice.length) / 2)
    res.resume()
    const { bytes } = await drain(res)
    expect(bytes.length).toBe(slices * slice.length)
    const seen = await gw.responseOf(id)
    expect(seen.outcome.kind).toBe('error') // comments only: no [DONE]
  })
})
