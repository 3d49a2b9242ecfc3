import { IOFilterReject } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'
import { rawText } from '../src/raw-client.ts'

const BODY = JSON.stringify({ model: 'm', messages: [] })

// Spellings an upstream router may take for its chat handler: decoding, merging slashes,
// dropping a trailing slash, ignoring case or `;params`, an absolute-form target.
const CHAT_SPELLINGS = [
  '/v1/chat/completions/',
  '/v1//chat/completions',
  '//v1/chat/completions',
  '/v1/./chat/completions',
  '/v1/models/../chat/completions',
  '/V1/Chat/Completions',
  '/v1/chat/%63ompletions',
  '/v1/chat/%2563ompletions',
  '/v1/chat%2Fcompletions',
  '/v1\\chat\\completions',
  '/v1/chat/completions;x=1',
  '/v1/chat/completions%20',
  '/v1/chat/completions#part',
  'http://elsewhere.example/v1/chat/completions',
  // Refused by WHATWG URLs, taken by other parsers (Go's among them).
  'http://elsewhere.example:99999/v1/chat/completions',
  // A host first, to a server that reads the target against a base URL.
  '//elsewhere.example/v1/chat/completions',
  '/\\elsewhere.example/v1/chat/completions',
]

function post(url: string, target: string, method = 'POST'): Promise<string> {
  return rawText(
    url,
    `${method} ${target} HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n` +
      `content-length: ${BODY.length}\r\nconnection: close\r\n\r\n${BODY}`,
  )
}

describe.each([
  ['an upstream base ending in /v1', ''],
  ['an upstream base without /v1', '/no-v1'],
])('request targets, with %s', (_name, variant) => {
  let t: TestGateway
  let upstream: FakeUpstream
  const gated: string[] = []

  beforeAll(async () => {
    upstream = await startFakeUpstream((_seen, res) => sendJson(res, 200, chatAnswer()))
    const base = variant === '' ? upstream.url : upstream.url.replace(/\/v1$/, '')
    t = await startTestGateway({
      upstreamUrl: base,
      instances: [
        entry({
          name: 'Gate',
          // An auth filter that lets nobody in: nothing may reach the upstream's model.
          onRequest(ctx) {
            gated.push(ctx.endpoint)
            throw new IOFilterReject('Nobody gets in.', { status: 401, code: 'invalid_api_key' })
          },
        }),
      ],
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  it.each(CHAT_SPELLINGS)('routes %s through the chain', async (target) => {
    const before = gated.length
    const answer = await post(t.gateway.url, target)
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(gated.slice(before)).toEqual(['chat.completions'])
    expect(upstream.requests).toHaveLength(0)
  })

  it.each([
    ['/chat/completions', 'chat.completions'],
    ['/completions/', 'completions'],
    ['/EMBEDDINGS', 'embeddings'],
    ['/v1/responses/', 'responses'],
  ])(
    'routes %s, which an upstream base may map onto /v1, through the chain',
    async (target, ep) => {
      const before = gated.length
      expect(await post(t.gateway.url, target)).toMatch(/^HTTP\/1\.1 401 /)
      expect(gated.slice(before)).toEqual([ep])
      expect(upstream.requests).toHaveLength(0)
    },
  )

  it.each(['GET', 'HEAD', 'PUT'])('answers %s on another spelling with 405', async (method) => {
    const answer = await post(t.gateway.url, '/v1/chat/completions/', method)
    expect(answer).toMatch(/^HTTP\/1\.1 405 /)
    expect(upstream.requests).toHaveLength(0)
  })

  it('relays other paths as the client spelled them, query included', async () => {
    for (const target of ['/v1/models/org%2Fname?x=%2F', '/v1/chat/completions/abc/messages']) {
      await post(t.gateway.url, target, 'GET')
      expect(upstream.requests.at(-1)?.url).toBe(target)
    }
  })

  it('relays an absolute-form target by its path alone, whatever its authority', async () => {
    for (const authority of ['http://elsewhere.example', 'http://elsewhere.example:99999']) {
      await post(t.gateway.url, `${authority}/v1/models?x=1`, 'GET')
      expect(upstream.requests.at(-1)?.url).toBe('/v1/models?x=1')
    }
  })
})

describe('a filtered request with another spelling', () => {
  it('reaches the upstream under the plain route, with its query', async () => {
    const upstream = await startFakeUpstream((_seen, res) => sendJson(res, 200, chatAnswer()))
    const t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry({ name: 'Seen', onRequest() {} })],
    })
    try {
      const answer = await post(t.gateway.url, '/v1//Chat/%63ompletions/?trace=1#x')
      expect(answer).toMatch(/^HTTP\/1\.1 200 /)
      expect(upstream.requests.map((r) => r.url)).toEqual(['/v1/chat/completions?trace=1'])
    } finally {
      await t.close()
      await upstream.close()
    }
  })
})
