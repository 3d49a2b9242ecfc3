import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type MockModel, startMockModel } from '@iochain/core/mock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPassThroughProxy } from '../src/bench/pass-through-proxy.ts'

describe('the pass-through proxy the bench compares with', () => {
  let mock: MockModel
  let proxy: Server
  let proxyUrl: string
  beforeAll(async () => {
    mock = await startMockModel({ replyTokens: 8 })
    proxy = createPassThroughProxy(new URL(mock.url).origin)
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
    await mock.close()
  })

  const post = (base: string, body: object) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  it('relays a stream with the upstream’s events and status', async () => {
    const body = { model: 'mock-model', stream: true, messages: [{ role: 'user', content: 'x' }] }
    const viaProxy = await post(proxyUrl, body)
    expect(viaProxy.status).toBe(200)
    expect(viaProxy.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const events = (await viaProxy.text()).split('\n\n').filter(Boolean)
    // role, 8 tokens, finish, [DONE]
    expect(events).toHaveLength(11)
    expect(events.at(-1)).toBe('data: [DONE]')
  })

  it('relays the upstream’s error status and body unchanged', async () => {
    const res = await fetch(`${proxyUrl}/v1/nothing`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(404)
    const body = (await res.json()) as { error: { message: string } }
    expect(body.error.message).toBe('No route for POST /v1/nothing.')
  })

  it('answers 502 when the upstream cannot be reached', async () => {
    const orphan = createPassThroughProxy('http://127.0.0.1:1')
    await new Promise<void>((resolve) => orphan.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(orphan.address() as AddressInfo).port}`
    const res = await post(url, { model: 'mock-model', messages: [] })
    expect(res.status).toBe(502)
    await new Promise((resolve) => orphan.close(resolve))
  })
})
