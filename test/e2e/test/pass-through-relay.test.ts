import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeUpstream } from '../src/fake-upstream.ts'
import { startTestGateway, type TestGateway } from '../src/harness.ts'

// Bodies on pass-through routes, with and without filters, are relayed as they arrive.
const BIG = randomBytes(5 * 1024 * 1024)

describe.each([
  ['with no filter', false],
  ['with a filter', true],
])('a pass-through body %s', (_label, withFilter) => {
  let upstream: FakeUpstream
  let t: TestGateway

  beforeAll(async () => {
    upstream = await startFakeUpstream(async (seen, res) => {
      if (seen.url.endsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        res.end(BIG)
      } else if (seen.url.endsWith('/hold')) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('first part;')
      } else if (seen.url.endsWith('/broken')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
        res.write('only a part;')
        await sleep(20)
        res.destroy()
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end('fine')
      }
    })
    const instances = withFilter ? [{ ...noopEntry }] : []
    t = await startTestGateway({ upstreamUrl: upstream.url, instances })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  it('reaches the client byte for byte', async () => {
    const res = await fetch(`${t.gateway.url}/v1/files/big`)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(BIG)).toBe(true)
  })

  it('aborts the upstream request when the client leaves mid-body', async () => {
    const controller = new AbortController()
    const res = await fetch(`${t.gateway.url}/v1/files/hold`, { signal: controller.signal })
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first part;')
    const before = upstream.aborted.length
    controller.abort()
    while (upstream.aborted.length === before) await sleep(5)
    expect(upstream.aborted.at(-1)!.url).toBe('/v1/files/hold')
  })

  it('ends in a broken connection, not a clean end, when the upstream breaks off', async () => {
    const res = await fetch(`${t.gateway.url}/v1/files/broken`)
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
    const next = await fetch(`${t.gateway.url}/v1/files/ok`)
    expect(await next.text()).toBe('fine')
  })
})

const noopEntry = {
  name: 'Noop',
  blocking: true,
  failMode: 'closed' as const,
  strict: false,
  credentials: false,
  filter: { onRequest() {} },
}
