import type { IOContext } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'
import { rawText } from '../src/raw-client.ts'

const BODY = JSON.stringify({ model: 'm', messages: [] })
const HEAD =
  'POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n'

// What node:http's parser refuses is still answered as an OpenAI client expects.
function expectOpenAIError(answer: string, status: number) {
  expect(statusesOf(answer)).toEqual([status])
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(body.error.type).toBe('invalid_request_error')
}

function statusesOf(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
}

describe('requests built to confuse the gateway or what is behind it', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  const seen: IOContext[] = []

  beforeAll(async () => {
    upstream = await startFakeUpstream((_seen, res) => sendJson(res, 200, chatAnswer()))
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry({ name: 'Seen', onRequest: (ctx) => void seen.push(ctx) })],
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  // Framing the gateway and the upstream could read differently is refused outright.
  it.each([
    ['content-length with transfer-encoding', `content-length: 4\r\ntransfer-encoding: chunked`],
    ['two different content-lengths', `content-length: ${BODY.length}\r\ncontent-length: 4`],
    ['an unknown transfer-encoding', 'transfer-encoding: xchunked'],
    ['a signed content-length', `content-length: +${BODY.length}`],
    [
      'an x-request-id folded onto a second line',
      `content-length: ${BODY.length}\r\nx-request-id: a\r\n b`,
    ],
  ])('answers %s with an OpenAI-shaped 400, sending nothing upstream', async (_name, headers) => {
    const answer = await rawText(t.gateway.url, `${HEAD}${headers}\r\n\r\n${BODY}`)
    expectOpenAIError(answer, 400)
    expect(upstream.requests).toHaveLength(0)
    expect(seen).toHaveLength(0)
  })

  it('answers a huge x-request-id with an OpenAI-shaped 431', async () => {
    const id = 'a'.repeat(20_000)
    const answer = await rawText(t.gateway.url, `${HEAD}x-request-id: ${id}\r\n\r\n`)
    expectOpenAIError(answer, 431)
    expect(upstream.requests).toHaveLength(0)
  })

  it('answers chunk extensions past the parser limit with an OpenAI-shaped 413', async () => {
    const extension = `;x=${'a'.repeat(20_000)}`
    const chunked = `transfer-encoding: chunked\r\n\r\n${BODY.length.toString(16)}${extension}\r\n`
    const answer = await rawText(t.gateway.url, `${HEAD}${chunked}${BODY}\r\n0\r\n\r\n`)
    expectOpenAIError(answer, 413)
    expect(upstream.requests).toHaveLength(0)
  })

  it('answers pipelined requests in order, the second untouched by a bad first', async () => {
    const answer = await rawText(
      t.gateway.url,
      `${HEAD}content-length: 5\r\nx-request-id: first\r\n\r\n{"a":` +
        `${HEAD}content-length: ${BODY.length}\r\nx-request-id: second\r\n` +
        `connection: close\r\n\r\n${BODY}`,
    )
    expect(statusesOf(answer)).toEqual([400, 200])
    expect(answer.indexOf('x-request-id: first')).toBeLessThan(answer.indexOf('second'))
    expect(upstream.requests.map((r) => r.headers['x-request-id'])).toEqual(['second'])
  })

  it('replaces an x-request-id that is not a plain token with its own', async () => {
    const answer = await rawText(
      t.gateway.url,
      `${HEAD}content-length: ${BODY.length}\r\nx-request-id: a b<script>\r\n` +
        `connection: close\r\n\r\n${BODY}`,
    )
    expect(answer).toMatch(/\r\nx-request-id: req_[0-9a-f]{32}\r\n/)
    expect(seen.at(-1)?.requestId).toMatch(/^req_[0-9a-f]{32}$/)
  })

  it('keeps __proto__ keys as plain data: no prototype reached, body sent unchanged', async () => {
    const body =
      '{"model":"m\\u0000\\r\\n\\u001b[31m","messages":[],' +
      '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'
    const answer = await rawText(
      t.gateway.url,
      `${HEAD}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
    expect(statusesOf(answer)).toEqual([200])
    const ctx = seen.at(-1)!
    expect(Object.hasOwn(ctx.request, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(ctx.request)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(ctx.metadata)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // Control characters in `model` are the filters' to judge; the gateway passes them intact.
    expect(ctx.model).toBe('m\u0000\r\n\u001b[31m')
    expect(upstream.requests.at(-1)!.body.toString()).toBe(body)
  })
})
