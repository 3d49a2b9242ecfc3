import { AssertionError } from 'node:assert'
import { IOChain, type IOContext, loadFilters } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { expectPassed, expectRejected } from '../src/assertions.ts'
import { createContext } from '../src/context.ts'
import { runChain, runFilter } from '../src/run-filter.ts'
import { Crashes, MaxTokens, NoisyAudit, TrustsUsage } from './fixtures/filters.ts'

describe('runFilter', () => {
  it('runs both hooks and returns the metadata they wrote', async () => {
    const result = await runFilter(new MaxTokens({ max: 100 }), createContext())
    expectPassed(result)
    expect(result.calls).toEqual([
      { filter: 'MaxTokens', hook: 'onRequest' },
      { filter: 'MaxTokens', hook: 'onResponse' },
    ])
    expect(result.metadata).toEqual({ maxTokens: 100, spent: result.ctx.usage?.total_tokens })
    expect(result.filterMs.MaxTokens).toBeGreaterThanOrEqual(0)
  })

  it('hides the response from onRequest, as the gateway does', async () => {
    const seen: unknown[] = []
    const filter = {
      onRequest: (ctx: IOContext) => void seen.push(ctx.outcome.kind, ctx.response),
      onResponse: (ctx: IOContext) => void seen.push(ctx.outcome.kind, ctx.response?.status),
    }
    await runFilter(filter, createContext())
    expect(seen).toEqual(['pending', null, 'ok', 200])
  })

  it('reports a rejection with its status and code', async () => {
    const ctx = createContext({ request: { max_tokens: 5000 } })
    const result = await runFilter(new MaxTokens({ max: 100 }), ctx)
    expectRejected(result, { status: 400, code: 'max_tokens_too_large', filter: 'MaxTokens' })
    expect(result.ctx.outcome).toMatchObject({ kind: 'rejected', filter: 'MaxTokens' })
    expect(result.ctx.response?.status).toBe(400)
  })

  it('reports a failing hook as a failure and an error', async () => {
    const result = await runFilter(new Crashes(), createContext())
    expect(result.failure).toMatchObject({ filter: 'Crashes', status: 500, code: 'filter_error' })
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatchObject({ error: { message: 'boom' } })
    expect(() => expectPassed(result)).toThrow(/'Crashes' failed it in onRequest/)
  })

  it('collects background failures before resolving', async () => {
    const result = await runFilter(new NoisyAudit(), createContext())
    expect(result.errors).toMatchObject([{ filter: 'NoisyAudit', background: true }])
    expect(result.stats.background).toMatchObject({ failed: 1, pending: 0 })
    expect(result.failure).toBeUndefined()
  })

  it('lets onResponse see the outcome the call ended with', async () => {
    const result = await runFilter(new TrustsUsage(), createContext({ outcome: 'error' }))
    expect(result.errors[0]?.hook).toBe('onResponse')
    expect(() => expectPassed(result)).toThrow(AssertionError)
  })

  it('runs only the phase asked for', async () => {
    const result = await runFilter(new MaxTokens(), createContext(), { only: 'onResponse' })
    expect(result.calls.map((c) => c.hook)).toEqual(['onResponse'])
  })
})

describe('runFilter with a worker filter', () => {
  it('runs the hooks in a pool thread and brings the metadata back', async () => {
    const [entry] = await loadFilters(['./fixtures/filters.ts:NotesThread'], {
      baseDir: import.meta.dirname,
    })
    try {
      const result = await runFilter(entry!, createContext())
      expectPassed(result)
      expect(result.metadata.thread).toBe('worker')
      expect(result.calls).toEqual([{ filter: 'NotesThread', hook: 'onRequest' }])
    } finally {
      await new IOChain([entry!]).close()
    }
  })
})

describe('runChain', () => {
  it('stops at a rejection; filters before it still see the response', async () => {
    const ctx = createContext({ request: { max_tokens: 500 } })
    const result = await runChain(
      [{ filter: new MaxTokens({ max: 1000 }), name: 'loose' }, new MaxTokens({ max: 10 })],
      ctx,
    )
    expectRejected(result, { filter: 'MaxTokens', message: /at most 10/ })
    expect(result.calls).toEqual([
      { filter: 'loose', hook: 'onRequest' },
      { filter: 'MaxTokens', hook: 'onRequest' },
      { filter: 'loose', hook: 'onResponse' },
    ])
  })
})

describe('assertions', () => {
  it('expectRejected names what differs', async () => {
    const result = await runFilter(
      new MaxTokens({ max: 1 }),
      createContext({ request: { max_tokens: 2 } }),
    )
    expect(() => expectRejected(result, { status: 403 })).toThrow(
      /rejected with status 400 \(expected 403\)/,
    )
    expect(() => expectPassed(result)).toThrow(/'MaxTokens' rejected it with 400/)
  })

  it('expectRejected fails when everything passed', async () => {
    const result = await runFilter(new MaxTokens(), createContext())
    expect(() => expectRejected(result)).toThrow(/every filter let it through/)
  })
})
