import { describe, expect, it } from 'vitest'
import { IOChain } from '../src/chain.ts'
import { createIOContext, type IOContext } from '../src/context.ts'
import { ErrorCodes } from '../src/errors.ts'
import type { IOFilter, ResolvedFilter } from '../src/filter.ts'
import { IOFilterReject } from '../src/reject.ts'

function entry(
  name: string,
  filter: IOFilter,
  extra: Partial<ResolvedFilter> = {},
): ResolvedFilter {
  const blocking = extra.blocking ?? filter.blocking ?? true
  return {
    name,
    filter,
    blocking,
    failMode: blocking ? 'closed' : 'open',
    strict: false,
    credentials: false,
    ...extra,
  }
}

function context(model = 'm', headers: Record<string, string> = {}): IOContext {
  return createIOContext({
    requestId: 'r1',
    endpoint: 'chat.completions',
    request: { model, messages: [] },
    headers,
    client: { address: '127.0.0.1', port: 1 },
  })
}

/** A filter that appends `name:hook` to a shared log. */
function recorder(log: string[], name: string, extra: Partial<IOFilter> = {}): IOFilter {
  return {
    onRequest: () => {
      log.push(`${name}:req`)
    },
    onResponse: () => {
      log.push(`${name}:res`)
    },
    ...extra,
  }
}

describe('IOChain', () => {
  it('runs blocking hooks in configured order and shares metadata', async () => {
    const log: string[] = []
    const chain = new IOChain([
      entry('a', {
        onRequest(ctx) {
          ctx.metadata.identity = 'alice'
          log.push('a:req')
        },
      }),
      entry('b', {
        onRequest: async (ctx) => {
          await new Promise((r) => setTimeout(r, 5))
          log.push(`b:req:${ctx.metadata.identity}`)
        },
        onResponse: (ctx) => {
          log.push(`b:res:${ctx.metadata.identity}`)
        },
      }),
    ])
    const ctx = context()
    expect(await chain.runRequest(ctx)).toBeUndefined()
    await chain.runResponse(ctx)
    expect(log).toEqual(['a:req', 'b:req:alice', 'b:res:alice'])
    expect(Object.keys(ctx.timings.filters).sort()).toEqual(['a', 'b'])
  })

  it('stops at a rejection; predecessors and response-only filters still see the outcome', async () => {
    const log: string[] = []
    const chain = new IOChain([
      entry('first', recorder(log, 'first')),
      entry('gate', {
        onRequest: () => {
          throw new IOFilterReject('no', {
            status: 429,
            code: 'slow_down',
            headers: { 'retry-after': '3' },
          })
        },
        onResponse: () => {
          log.push('gate:res')
        },
      }),
      entry('later', recorder(log, 'later')),
      entry('audit', { onResponse: () => void log.push('audit:res') }),
    ])
    const ctx = context()
    const verdict = await chain.runRequest(ctx)
    expect(verdict).toMatchObject({
      kind: 'rejected',
      filter: 'gate',
      rejection: { status: 429, code: 'slow_down', headers: { 'retry-after': '3' } },
    })
    expect(ctx.outcome).toMatchObject({ kind: 'rejected', filter: 'gate', status: 429 })
    await chain.runResponse(ctx)
    expect(log).toEqual(['first:req', 'first:res', 'audit:res'])
  })

  it('recognises a rejection thrown by another copy of the class', async () => {
    // The shape another copy of @iochain/core produces: same brand symbol, different class.
    class ForeignReject extends Error {
      override name = 'IOFilterReject'
      status = 403
      code = 'foreign'
      type = 'permission_error'
      param = null
      headers = {}
      constructor(message: string) {
        super(message)
        Object.defineProperty(this, Symbol.for('iochain.filter-reject'), { value: true })
      }
    }
    const chain = new IOChain([
      entry('x', {
        onRequest: () => {
          throw new ForeignReject('denied')
        },
      }),
    ])
    const verdict = await chain.runRequest(context())
    expect(verdict).toMatchObject({ kind: 'rejected', rejection: { status: 403, code: 'foreign' } })
  })

  it('fails closed on a throwing blocking hook, or goes on when the entry fails open', async () => {
    const boom = { onRequest: () => Promise.reject(new Error('boom')) }
    const closed = new IOChain([entry('boom', boom)])
    const ctx = context()
    expect(await closed.runRequest(ctx)).toMatchObject({
      kind: 'failed',
      status: 500,
      code: 'filter_error',
    })
    expect(ctx.outcome).toMatchObject({ kind: 'error', filter: 'boom' })
    expect(closed.stats.hooks.failed).toBe(1)

    const open = new IOChain([entry('boom', boom, { failMode: 'open' })])
    expect(await open.runRequest(context())).toBeUndefined()
  })

  it('turns a rejection with no value into a coded failure', async () => {
    const chain = new IOChain([entry('empty', { onRequest: () => Promise.reject(undefined) })])
    const ctx = context()
    expect(await chain.runRequest(ctx)).toMatchObject({ kind: 'failed', code: 'filter_error' })
    expect(ctx.outcome.message).toContain('rejected with undefined')
  })

  it('counts a hook past its timeout as a failure', async () => {
    const never = { onRequest: () => new Promise<void>(() => {}) }
    const chain = new IOChain([entry('slow', never, { timeoutMs: 20 })])
    const verdict = await chain.runRequest(context())
    expect(verdict).toMatchObject({ kind: 'failed', code: 'filter_timeout' })
    expect(chain.stats.hooks.timedOut).toBe(1)
  })

  it('schedules background hooks without awaiting them', async () => {
    let release: () => void = () => {}
    let finished = false
    const chain = new IOChain([
      entry('bg', {
        blocking: false,
        onRequest: async () => {
          await new Promise<void>((r) => {
            release = r
          })
          finished = true
        },
      }),
    ])
    expect(await chain.runRequest(context())).toBeUndefined()
    expect(chain.stats.background).toMatchObject({ scheduled: 1, pending: 1 })
    await new Promise((r) => setImmediate(r))
    expect(finished).toBe(false)
    release()
    expect(await chain.drain(1_000)).toBe(true)
    expect(finished).toBe(true)
    expect(chain.stats.background).toMatchObject({ completed: 1, pending: 0 })
  })

  it('drops and counts background work beyond the queue bound, and counts failures', async () => {
    const chain = new IOChain(
      [entry('bg', { blocking: false, onResponse: () => Promise.reject(new Error('x')) })],
      { backgroundQueueLimit: 2 },
    )
    for (let i = 0; i < 5; i++) await chain.runResponse(context())
    expect(chain.stats.background).toMatchObject({ scheduled: 2, dropped: 3 })
    await chain.drain(1_000)
    expect(chain.stats.background).toMatchObject({ failed: 2, pending: 0 })
  })

  it('applies an entry only to matching endpoints and models', async () => {
    const log: string[] = []
    const chain = new IOChain([
      entry('llama', recorder(log, 'llama'), { match: { models: ['llama-*'] } }),
      entry('embed', recorder(log, 'embed'), { match: { endpoints: ['embeddings'] } }),
    ])
    await chain.runRequest(context('llama-3-8b'))
    await chain.runRequest(context('gpt-4o'))
    expect(log).toEqual(['llama:req'])
  })

  it('shows credentials only to entries granted them', async () => {
    const seen: Record<string, string | undefined> = {}
    const spy = (key: string) => (ctx: IOContext) => {
      seen[key] = ctx.headers.authorization
    }
    const chain = new IOChain([
      entry('plain', { onRequest: spy('plain') }),
      entry('granted', { onRequest: spy('granted') }, { credentials: true }),
    ])
    await chain.runRequest(context('m', { authorization: 'Bearer sk-1', 'user-agent': 'x' }))
    expect(seen).toEqual({ plain: '[redacted]', granted: 'Bearer sk-1' })
  })

  it('keeps the request body read-only', async () => {
    const chain = new IOChain([
      entry('mutator', {
        onRequest: (ctx) => {
          ;(ctx.request as Record<string, unknown>).model = 'other'
        },
      }),
    ])
    const verdict = await chain.runRequest(context())
    expect(verdict).toMatchObject({ kind: 'failed' })
  })

  it('calls close once per filter, in order, even when one fails', async () => {
    const log: string[] = []
    const chain = new IOChain([
      entry('a', { onRequest() {}, close: () => void log.push('a') }),
      entry('b', { onRequest() {}, close: () => Promise.reject(new Error('no')) }),
      entry('c', { onRequest() {}, close: () => void log.push('c') }),
    ])
    await chain.close()
    await chain.close()
    expect(log).toEqual(['a', 'c'])
  })

  it('rejects an invalid queue bound with a coded error', () => {
    expect(() => new IOChain([], { backgroundQueueLimit: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.IOC_ERR_CHAIN_OPTIONS }),
    )
  })
})
