import { randomUUID } from 'node:crypto'
import type { FilterEntry } from '@iochain/core'
import { APIError, type OpenAI } from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../src/harness.ts'
import { createMemoryLogger } from '../src/memory-logger.ts'
import { pingRedis, startTcpProxy, type TcpProxy } from '../src/tcp-proxy.ts'

// CI starts a redis-server and sets this; without it these tests are skipped, and with it an
// unreachable Redis fails them.
const REDIS_URL = process.env.IOCHAIN_TEST_REDIS_URL

const UNREACHABLE =
  'Redis unreachable: rate limits follow the onUnavailable policy until it is back'

function rateLimit(url: string, prefix: string, extra: Record<string, unknown> = {}): FilterEntry {
  return {
    use: '@iochain/filters-builtin:RateLimit',
    options: {
      by: 'global',
      requests: { limit: 1, windowMs: 60_000 },
      store: 'redis',
      ...extra,
      redis: { url, prefix, ...(extra.redis as object) },
    },
  }
}

async function statusOf(client: OpenAI): Promise<number> {
  try {
    await client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    return 200
  } catch (err) {
    if (err instanceof APIError && err.status !== undefined) return err.status
    throw err
  }
}

describe.skipIf(!REDIS_URL)('RateLimit with a real Redis', () => {
  const url = REDIS_URL!
  const open: Array<{ close(): Promise<void> }> = []
  const track = <T extends { close(): Promise<void> }>(thing: T): T => {
    open.push(thing)
    return thing
  }
  const prefix = () => `iochain-test:${randomUUID()}:`

  beforeAll(() => pingRedis(url))
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close()
  })

  it('shares one limit between two gateway instances', async () => {
    const shared = prefix()
    const limit = { requests: { limit: 3, windowMs: 60_000 } }
    const a = track(await startTestGateway({ filters: [rateLimit(url, shared, limit)] }))
    const b = track(await startTestGateway({ filters: [rateLimit(url, shared, limit)] }))
    const statuses = []
    for (const t of [a, b, a, b, a]) statuses.push(await statusOf(t.client))
    expect(statuses).toEqual([200, 200, 200, 429, 429])
  })

  it('never lets concurrent requests on two gateways overshoot the limit', async () => {
    const shared = prefix()
    const limit = { requests: { limit: 5, windowMs: 60_000 } }
    const a = track(await startTestGateway({ filters: [rateLimit(url, shared, limit)] }))
    const b = track(await startTestGateway({ filters: [rateLimit(url, shared, limit)] }))
    const all = Array.from({ length: 20 }, (_, i) => statusOf((i % 2 ? a : b).client))
    const statuses = await Promise.all(all)
    expect(statuses.filter((s) => s === 200)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(15)
  })

  describe('when Redis goes away mid-run', () => {
    let proxy: TcpProxy
    let proxied: string

    beforeAll(async () => {
      const target = new URL(url)
      proxy = await startTcpProxy(target.hostname, Number(target.port || 6379))
      proxied = `redis://127.0.0.1:${proxy.port}${target.pathname}`
    })
    afterAll(() => proxy?.close())

    it('lets requests through under the allow policy, logs it once, and recovers', async () => {
      const logger = createMemoryLogger()
      const t = track(await startTestGateway({ logger, filters: [rateLimit(proxied, prefix())] }))
      expect(await statusOf(t.client)).toBe(200)
      expect(await statusOf(t.client)).toBe(429)

      await proxy.cut()
      expect([
        await statusOf(t.client),
        await statusOf(t.client),
        await statusOf(t.client),
      ]).toEqual([200, 200, 200])
      expect(logger.entries.filter((e) => e.msg === UNREACHABLE)).toHaveLength(1)
      expect(logger.entries.find((e) => e.msg === UNREACHABLE)?.level).toBe('warn')

      await proxy.restore()
      // The window's count survived in Redis: once reconnected, the limit holds again.
      await expect.poll(() => statusOf(t.client), { timeout: 10_000, interval: 100 }).toBe(429)
      expect(logger.entries.filter((e) => e.msg === UNREACHABLE)).toHaveLength(1)
      expect(logger.entries.some((e) => e.msg.startsWith('Redis reachable again'))).toBe(true)
    })

    it('refuses requests with a 503 under the deny policy', async () => {
      const extra = { redis: { onUnavailable: 'deny' } }
      const t = track(await startTestGateway({ filters: [rateLimit(proxied, prefix(), extra)] }))
      expect(await statusOf(t.client)).toBe(200)
      await proxy.cut()
      try {
        await t.client.chat.completions.create({
          model: 'mock-model',
          messages: [{ role: 'user', content: 'hi' }],
        })
        expect.unreachable('the request should have been refused')
      } catch (err) {
        expect(err).toBeInstanceOf(APIError)
        const e = err as APIError
        expect([e.status, e.code]).toEqual([503, 'rate_limit_unavailable'])
        expect(e.headers?.get('retry-after')).toBe('1')
      } finally {
        await proxy.restore()
      }
    })
  })
})
