import type { IOFilterReject } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { formatDuration, rateLimitHeaders } from '../src/rate-limit/headers.ts'
import { MemoryStore } from '../src/rate-limit/memory-store.ts'
import { RateLimit } from '../src/rate-limit/rate-limit.ts'
import { chatContext, initFor } from './_context.ts'

async function refusal(limit: RateLimit, identity?: string): Promise<IOFilterReject | undefined> {
  const ctx = chatContext({})
  if (identity) ctx.metadata.identity = identity
  try {
    await limit.onRequest(ctx)
    return undefined
  } catch (err) {
    return err as IOFilterReject
  }
}

describe('MemoryStore', () => {
  it('counts requests per key in a window that starts afresh', async () => {
    let now = 1_000
    const store = new MemoryStore(() => now)
    const limits = { requests: { limit: 2, windowMs: 1_000 } }
    expect((await store.take('a', limits)).allowed).toBe(true)
    expect((await store.take('a', limits)).allowed).toBe(true)
    const third = await store.take('a', limits)
    expect(third).toMatchObject({ allowed: false, requests: { used: 2, resetMs: 1_000 } })
    expect((await store.take('b', limits)).allowed).toBe(true)
    now += 1_000
    expect((await store.take('a', limits)).allowed).toBe(true)
    await store.close()
  })
})

describe('RateLimit with the memory store', () => {
  it('answers 429 with retry-after and x-ratelimit headers, per identity', async () => {
    const limit = new RateLimit({ requests: { limit: 1, windowMs: 60_000 } }, initFor('RateLimit'))
    expect(await refusal(limit, 'alice')).toBeUndefined()
    expect(await refusal(limit, 'bob')).toBeUndefined()
    const refused = await refusal(limit, 'alice')
    expect(refused).toMatchObject({ status: 429, code: 'rate_limit_exceeded' })
    expect(refused?.headers).toMatchObject({
      'retry-after': '60',
      'x-ratelimit-limit-requests': '1',
      'x-ratelimit-remaining-requests': '0',
    })
    expect(refused?.headers['x-ratelimit-reset-requests']).toMatch(/^(1m0s|59\.\d+s|60s)$/)
    await limit.close()
  })
})

describe('rate limit headers', () => {
  it('formats resets the way OpenAI does', () => {
    expect(formatDuration(850)).toBe('850ms')
    expect(formatDuration(12_000)).toBe('12s')
    expect(formatDuration(90_500)).toBe('1m30.5s')
    expect(formatDuration(7_200_000)).toBe('2h0m0s')
  })

  it('reports both limits and waits for the later reset', () => {
    const limits = {
      requests: { limit: 10, windowMs: 60_000 },
      tokens: { limit: 100, windowMs: 60_000 },
    }
    const headers = rateLimitHeaders(limits, {
      allowed: false,
      requests: { used: 3, resetMs: 5_000 },
      tokens: { used: 120, resetMs: 30_000 },
    })
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '7',
      'x-ratelimit-reset-requests': '5s',
      'x-ratelimit-limit-tokens': '100',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '30s',
      'retry-after': '30',
      'retry-after-ms': '30000',
    })
  })
})
