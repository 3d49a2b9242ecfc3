import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'

const BODY = JSON.stringify({ model: 'm', messages: [] })

interface Answer {
  status: number
  /** Whether the gateway asked for the body with `100 Continue`. */
  continued: boolean
  body: string
}

/** A client as curl is for large bodies: headers first, the body only once asked for. */
function postExpecting(url: string, headers: Record<string, string | number>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let continued = false
    const req = request(url, {
      method: 'POST',
      headers: { expect: '100-continue', connection: 'close', ...headers },
    })
    req.on('continue', () => {
      continued = true
      req.end(BODY)
    })
    req.on('response', async (res) => {
      let body = ''
      for await (const chunk of res) body += chunk
      resolve({ status: res.statusCode ?? 0, continued, body })
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}

describe('a client sending `expect: 100-continue`', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  let requests = 0

  beforeAll(async () => {
    upstream = await startFakeUpstream((_seen, res) => sendJson(res, 200, chatAnswer()))
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry({ name: 'Counter', onRequest: () => void requests++ })],
      limits: { bodyBytes: 1024 },
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  it.each(['/v1/chat/completions', '/v1/other'])(
    'is asked for its body on %s and gets the upstream answer',
    async (path) => {
      const answer = await postExpecting(`${t.gateway.url}${path}`, {
        'content-type': 'application/json',
        'content-length': BODY.length,
      })
      expect(answer).toMatchObject({ status: 200, continued: true })
      expect(JSON.parse(answer.body).choices[0].message.content).toBe('hello')
      const seen = upstream.requests.at(-1)!
      expect(seen.url).toBe(path)
      expect(seen.body.toString()).toBe(BODY)
      // The gateway answered the expectation; the upstream is sent the body outright.
      expect(seen.headers.expect).toBeUndefined()
    },
  )

  it('is refused with 413 before sending a body over the limit', async () => {
    const before = upstream.requests.length
    const answer = await postExpecting(`${t.gateway.url}/v1/chat/completions`, {
      'content-type': 'application/json',
      'content-length': 10 * 1024 * 1024,
    })
    expect(answer).toMatchObject({ status: 413, continued: false })
    expect(JSON.parse(answer.body).error.code).toBe('request_too_large')
    expect(upstream.requests.length).toBe(before)
  })

  it('is refused with 415 before sending a body that is not JSON', async () => {
    const answer = await postExpecting(`${t.gateway.url}/v1/embeddings`, {
      'content-type': 'text/plain',
      'content-length': BODY.length,
    })
    expect(answer).toMatchObject({ status: 415, continued: false })
  })

  it('is refused with 415 before sending a compressed body', async () => {
    const answer = await postExpecting(`${t.gateway.url}/v1/chat/completions`, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': BODY.length,
    })
    expect(answer).toMatchObject({ status: 415, continued: false })
    expect(JSON.parse(answer.body).error.code).toBe('unsupported_content_encoding')
  })

  it('ran the filters once for the one filtered request that was admitted', () => {
    expect(requests).toBe(1)
  })
})
