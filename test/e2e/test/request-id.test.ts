import { createGateway, IOChain } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry } from '../src/harness.ts'

// Servers such as vLLM answer with an `x-request-id` of their own; the client's stays the
// gateway's, the one its filters logged, with filters or without.
const noop = entry({ name: 'noop', onRequest() {} })

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream((seen, res) => {
    if (seen.url.endsWith('/models')) return sendJson(res, 200, { data: [] }, own)
    sendJson(res, 200, chatAnswer(), own)
  })
})
afterAll(() => upstream.close())
const own = { 'x-request-id': 'upstream-own-id' }

describe.each([
  ['one filter', [noop]],
  ['no filter', []],
])('a JSON answer through the gateway with %s', (_, filters) => {
  it('carries the gateway request id, and other paths the upstream headers', async () => {
    const gateway = createGateway({ chain: new IOChain(filters), upstream: { url: upstream.url } })
    await gateway.listen(0)
    try {
      const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'client-id' },
        body: JSON.stringify({ model: 'm', messages: [] }),
      })
      expect(chat.status).toBe(200)
      expect(chat.headers.get('x-request-id')).toBe('client-id')
      expect(upstream.requests.at(-1)?.headers['x-request-id']).toBe('client-id')

      const models = await fetch(`${gateway.url}/v1/models`)
      expect(models.headers.get('x-request-id')).toBe('upstream-own-id')
    } finally {
      await gateway.close()
    }
  })
})
