import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { IOContext, Outcome } from '@iochain/core'
import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chatAnswer,
  type FakeUpstream,
  sendJson,
  startFakeUpstream,
  startRawUpstream,
} from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'

interface HookRecord {
  requestId: string
  outcome: Outcome
  status?: number
  body: unknown
}

function createRecorder() {
  const records: HookRecord[] = []
  return {
    records,
    filter: {
      name: 'Recorder',
      onResponse(ctx: IOContext) {
        records.push({
          requestId: ctx.requestId,
          outcome: { ...ctx.outcome },
          status: ctx.response?.status,
          body: ctx.response?.body,
        })
      },
    },
  }
}

// Each model name asks the upstream for one fault.
function misbehave(model: string, res: import('node:http').ServerResponse): void {
  const answer = JSON.stringify(chatAnswer('decoded'))
  switch (model) {
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('<html>oops</html>')
      return
    case 'broken':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
      res.write('{"id": "chatcmpl-')
      setTimeout(() => res.destroy(), 20)
      return
    case 'hang':
    case 'hold':
      return
    case 'rate-limited':
      sendJson(
        res,
        429,
        { error: { message: 'Slow down.', type: 'rate_limit_error', code: 'rate_limit' } },
        { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' },
      )
      return
    case 'html-503':
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '3' })
      res.end('<h1>Service Unavailable</h1>')
      return
    case 'gzip':
    case 'br': {
      const bytes = model === 'gzip' ? gzipSync(answer) : brotliCompressSync(answer)
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': model,
        'content-length': bytes.length,
      })
      res.end(bytes)
      return
    }
    case 'bad-gzip':
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      res.end('not gzip at all')
      return
    default:
      sendJson(res, 200, chatAnswer())
  }
}

const LEAKS = /\bat .+:\d+:\d+|node:|undici|ECONN|127\.0\.0\.1|\.[cm]?[jt]s\b/

async function failure(promise: Promise<unknown>): Promise<APIError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  expect(JSON.stringify((err as APIError).error)).not.toMatch(LEAKS)
  return err as APIError
}

describe('upstream faults, as the client and the filters see them', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  const recorder = createRecorder()

  beforeAll(async () => {
    upstream = await startFakeUpstream((seen, res) => {
      if (seen.url.startsWith('/v1/models')) {
        const bytes = gzipSync(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }))
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        return res.end(bytes)
      }
      misbehave(JSON.parse(seen.body.toString()).model, res)
    })
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      upstream: { headersTimeoutMs: 500 },
      instances: [entry(recorder.filter)],
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  const failWith = (model: string) =>
    failure(t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }))

  function lastRecord(requestId: string | null | undefined): HookRecord {
    const found = recorder.records.filter((r) => r.requestId === requestId)
    expect(found).toHaveLength(1)
    return found[0]!
  }

  it('answers a 2xx body that is not JSON with 502 upstream_bad_response', async () => {
    const err = await failWith('garbage')
    expect(err.status).toBe(502)
    expect(err.code).toBe('upstream_bad_response')
    expect(lastRecord(err.requestID).outcome).toMatchObject({ kind: 'error', status: 502 })
  })

  it('answers a body that breaks off with 502, and the filter sees why', async () => {
    const err = await failWith('broken')
    expect(err.status).toBe(502)
    const record = lastRecord(err.requestID)
    expect(record.outcome).toMatchObject({ kind: 'error', code: 'upstream_error' })
    expect(record.outcome.message).toBeTruthy()
  })

  it('answers an upstream silent past the headers deadline with 504', async () => {
    const err = await failWith('hang')
    expect(err.status).toBe(504)
    expect(err.code).toBe('upstream_timeout')
    expect(lastRecord(err.requestID).outcome).toMatchObject({
      kind: 'error',
      status: 504,
      code: 'upstream_timeout',
    })
  })

  it("passes the upstream's own 429 through with its body and Retry-After", async () => {
    const err = await failWith('rate-limited')
    expect(err.status).toBe(429)
    expect(err.message).toContain('Slow down.')
    expect(err.code).toBe('rate_limit')
    expect(err.headers?.get('retry-after')).toBe('7')
    expect(err.headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(lastRecord(err.requestID).outcome).toMatchObject({
      kind: 'error',
      status: 429,
      message: 'Slow down.',
    })
  })

  it("passes a 503 with the upstream's HTML body through untouched", async () => {
    const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'html-503', messages: [] }),
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('3')
    expect(await res.text()).toBe('<h1>Service Unavailable</h1>')
    expect(lastRecord(res.headers.get('x-request-id')).outcome).toMatchObject({
      kind: 'error',
      status: 503,
    })
  })

  it.each(['gzip', 'br'])(
    'decodes a %s upstream body for the filters and the client',
    async (model) => {
      const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
        body: JSON.stringify({ model, messages: [] }),
      })
      const text = await res.text()
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBeNull()
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)))
      expect(JSON.parse(text).choices[0].message.content).toBe('decoded')
      const record = lastRecord(res.headers.get('x-request-id'))
      expect(record.outcome.kind).toBe('ok')
      expect((record.body as any).choices[0].message.content).toBe('decoded')
    },
  )

  it('answers a body that does not decode as its encoding says with 502', async () => {
    const err = await failWith('bad-gzip')
    expect(err.status).toBe(502)
    expect(err.code).toBe('upstream_bad_response')
  })

  it('passes a compressed pass-through response on with its encoding intact', async () => {
    const res = await fetch(`${t.gateway.url}/v1/models`, {
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(((await res.json()) as any).data[0].id).toBe('m')
  })

  it('aborts the upstream request when the client leaves before the answer', async () => {
    const controller = new AbortController()
    const pending = t.client.chat.completions
      .create({ model: 'hold', messages: [] }, { signal: controller.signal })
      .catch((e: unknown) => e)
    while (!upstream.requests.some((r) => r.body.includes('"hold"'))) await tick()
    const seenBefore = upstream.aborted.length
    controller.abort()
    await pending
    while (upstream.aborted.length === seenBefore) await tick()
    const held = upstream.requests.find((r) => r.body.includes('"hold"'))!
    const requestId = held.headers['x-request-id'] as string
    while (!recorder.records.some((r) => r.requestId === requestId)) await tick()
    await tick(50)
    expect(lastRecord(requestId).outcome.kind).toBe('cancelled')
  })
})

describe('an unreachable upstream', () => {
  it('answers 502 upstream_unreachable and shows the filters the same outcome', async () => {
    const closed = await startFakeUpstream(() => {})
    const url = closed.url
    await closed.close()
    const recorder = createRecorder()
    const t = await startTestGateway({ upstreamUrl: url, instances: [entry(recorder.filter)] })
    try {
      const err = await failure(t.client.chat.completions.create({ model: 'm', messages: [] }))
      expect(err.status).toBe(502)
      expect(err.code).toBe('upstream_unreachable')
      expect(recorder.records).toHaveLength(1)
      expect(recorder.records[0]!.outcome).toMatchObject({
        kind: 'error',
        status: 502,
        code: 'upstream_unreachable',
      })
    } finally {
      await t.close()
    }
  })
})

describe('keep-alive connections the upstream closes', () => {
  it('sends the next request again on a fresh connection instead of failing it', async () => {
    const body = JSON.stringify(chatAnswer('fresh'))
    const reply =
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    // The first connection answers one request, then drops the next one unanswered, as an
    // upstream does when its idle timeout fires just as the request goes out.
    const raw = await startRawUpstream((socket) => {
      const first = raw.connections === 1
      let requests = 0
      socket.on('data', (chunk) => {
        if (!chunk.includes('\r\n\r\n')) return
        requests++
        if (first && requests === 2) socket.destroy()
        else socket.write(reply)
      })
    })
    const t = await startTestGateway({
      upstreamUrl: raw.url,
      instances: [entry({ name: 'Noop', onRequest() {} })],
    })
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await t.client.chat.completions.create({ model: 'm', messages: [] })
        expect(answer.choices[0]!.message.content).toBe('fresh')
      }
      expect(raw.connections).toBe(2)
    } finally {
      await t.close()
      await raw.close()
    }
  })
})

function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
