import { gzipSync } from 'node:zlib'
import type { IOContext } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'
import { rawExchange } from '../src/raw-client.ts'

const CHAT = '/v1/chat/completions'

// Counts every hook call: a refused request must reach no filter and no upstream.
function createCounter() {
  const calls = { onRequest: 0, onResponse: 0 }
  return {
    calls,
    filter: {
      name: 'Counter',
      onRequest(_ctx: IOContext) {
        calls.onRequest++
      },
      onResponse(_ctx: IOContext) {
        calls.onResponse++
      },
    },
  }
}

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as any }
}

function expectOpenAIError(json: any, type: string) {
  expect(Object.keys(json)).toEqual(['error'])
  expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(json.error.type).toBe(type)
  expect(typeof json.error.message).toBe('string')
}

describe('bad requests on the filtered endpoints', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  const counter = createCounter()

  beforeAll(async () => {
    upstream = await startFakeUpstream((seen, res) => {
      sendJson(res, 200, { ...chatAnswer(), echoedBytes: seen.body.length })
    })
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry(counter.filter)],
      limits: { bodyBytes: 64 * 1024, bodyTimeoutMs: 400 },
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  const cases: Array<[string, string | Uint8Array, number, string | null, string]> = [
    ['malformed JSON', '{"model": "m", ', 400, null, 'not valid JSON'],
    ['an empty body', '', 400, null, 'empty'],
    ['a JSON array', '[1, 2]', 400, null, 'must be a JSON object'],
    ['a JSON string', '"hello"', 400, null, 'must be a JSON object'],
    ['JSON null', 'null', 400, null, 'must be a JSON object'],
    ['no model', '{"messages": []}', 400, 'model', '`model`'],
    ['a numeric model', '{"model": 7, "messages": []}', 400, 'model', '`model`'],
    [
      'messages that are not an array',
      '{"model": "m", "messages": "hi"}',
      400,
      'messages',
      '`messages`',
    ],
    [
      'a stream flag that is not a boolean',
      '{"model": "m", "messages": [], "stream": "yes"}',
      400,
      'stream',
      '`stream`',
    ],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x7d]), 400, null, 'UTF-8'],
    [
      'JSON nested 10,000 deep',
      `{"model":"m","messages":[],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      400,
      null,
      'deeper than',
    ],
  ]

  it.each(cases)(
    'answers %s with an OpenAI-shaped %i naming the problem',
    async (_, body, status, param, words) => {
      const before = { ...counter.calls }
      const answer = await post(`${t.gateway.url}${CHAT}`, body)
      expect(answer.status).toBe(status)
      expectOpenAIError(answer.json, 'invalid_request_error')
      expect(answer.json.error.param).toBe(param)
      expect(answer.json.error.message).toContain(words)
      expect(answer.headers.get('x-request-id')).toBeTruthy()
      expect(counter.calls).toEqual(before)
    },
  )

  it('accepts JSON nested as deep as real tool schemas go', async () => {
    const deep = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`
    const answer = await post(`${t.gateway.url}${CHAT}`, `{"model":"m","messages":[],"x":${deep}}`)
    expect(answer.status).toBe(200)
  })

  it('answers a content type other than JSON with 415 before reading the body', async () => {
    const answer = await post(`${t.gateway.url}${CHAT}`, '{"model":"m","messages":[]}', {
      'content-type': 'text/plain',
    })
    expect(answer.status).toBe(415)
    expectOpenAIError(answer.json, 'invalid_request_error')
    expect(answer.json.error.code).toBe('unsupported_media_type')
  })

  it.each(['gzip', 'br', 'deflate, gzip'])(
    'refuses a request body sent with content-encoding %s, naming it',
    async (coding) => {
      const before = { ...counter.calls }
      const seen = upstream.requests.length
      const answer = await post(`${t.gateway.url}${CHAT}`, gzipSync('{"model":"m"}'), {
        'content-encoding': coding,
      })
      expect(answer.status).toBe(415)
      expectOpenAIError(answer.json, 'invalid_request_error')
      expect(answer.json.error.code).toBe('unsupported_content_encoding')
      expect(answer.json.error.param).toBe('content-encoding')
      expect(answer.json.error.message).toContain(coding)
      expect(counter.calls).toEqual(before)
      expect(upstream.requests.length).toBe(seen)
    },
  )

  it('takes content-encoding identity as an uncompressed body', async () => {
    const answer = await post(`${t.gateway.url}${CHAT}`, '{"model":"m","messages":[]}', {
      'content-encoding': 'identity',
    })
    expect(answer.status).toBe(200)
  })

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    'answers %s on a filtered endpoint with 405',
    async (method) => {
      const res = await fetch(`${t.gateway.url}${CHAT}`, { method })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
      expectOpenAIError(await res.json(), 'invalid_request_error')
    },
  )

  it('answers a declared length over the limit with 413 without waiting for the body', async () => {
    // Only the headers are sent: a gateway that read on would never answer.
    const answer = await rawExchange(t.gateway.url, (socket) => {
      socket.write(
        `POST ${CHAT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `content-length: ${100 * 1024 * 1024}\r\n\r\n`,
      )
    })
    expect(answer.status).toBe(413)
    expect(answer.headers.connection).toBe('close')
    expectOpenAIError(JSON.parse(answer.body), 'invalid_request_error')
    expect(JSON.parse(answer.body).error.code).toBe('request_too_large')
  })

  it('answers a chunked body that crosses the limit with 413 before it ends', async () => {
    const answer = await rawExchange(t.gateway.url, (socket) => {
      socket.write(
        `POST ${CHAT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          'transfer-encoding: chunked\r\n\r\n',
      )
      const chunk = 'x'.repeat(32 * 1024)
      // Three chunks pass the 64 KiB limit; the terminating chunk is never sent.
      for (let i = 0; i < 3; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body).error.code).toBe('request_too_large')
  })

  it('answers a client trickling its body with 408 once the read deadline passes', async () => {
    let timer: NodeJS.Timeout | undefined
    const answer = await rawExchange(t.gateway.url, (socket) => {
      socket.write(
        `POST ${CHAT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          'content-length: 1000\r\n\r\n{',
      )
      timer = setInterval(() => socket.writable && socket.write(' '), 50)
    })
    clearInterval(timer)
    expect(answer.status).toBe(408)
    expectOpenAIError(JSON.parse(answer.body), 'invalid_request_error')
    expect(JSON.parse(answer.body).error.code).toBe('request_timeout')
  })

  it('accepts a chunked body and sends it upstream framed by content-length', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'chunked' }] })
    const answer = await rawExchange(t.gateway.url, async (socket) => {
      socket.write(
        `POST ${CHAT} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          'transfer-encoding: chunked\r\n\r\n',
      )
      for (const part of [body.slice(0, 10), body.slice(10)]) {
        socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`)
      }
      socket.write('0\r\n\r\n')
    })
    expect(answer.status).toBe(200)
    const seen = upstream.requests.at(-1)!
    expect(seen.body.toString()).toBe(body)
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)))
    expect(seen.headers['transfer-encoding']).toBeUndefined()
  })

  it('still serves a valid request through the openai client after all of the above', async () => {
    const before = { ...counter.calls }
    const answer = await t.client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(answer.choices[0]!.message.content).toBe('hello')
    expect(counter.calls).toEqual({
      onRequest: before.onRequest + 1,
      onResponse: before.onResponse + 1,
    })
  })
})

describe('the request body limit', () => {
  it('admits tens of MB of base64 by default; an operator can set a lower limit', async () => {
    const upstream = await startFakeUpstream((seen, res) => {
      sendJson(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [seen.body.length] }],
        model: 'm',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      })
    })
    const roomy = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry(createCounter().filter)],
    })
    const strict = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry(createCounter().filter)],
      limits: { bodyBytes: 1024 * 1024 },
    })
    try {
      // 24 MiB of base64, as a large image or embedding batch would be.
      const input = Buffer.alloc(18 * 1024 * 1024, 7).toString('base64')
      const ok = await roomy.client.embeddings.create({ model: 'm', input })
      expect(ok.data[0]!.embedding[0]).toBeGreaterThan(24 * 1024 * 1024)

      const refused = await post(
        `${strict.gateway.url}/v1/embeddings`,
        JSON.stringify({ model: 'm', input }),
      )
      expect(refused.status).toBe(413)
      expect(refused.json.error.message).toContain(`${1024 * 1024} bytes`)
    } finally {
      await roomy.close()
      await strict.close()
      await upstream.close()
    }
  })
})
