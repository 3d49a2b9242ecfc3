import { ErrorCodes, loadFilters } from '@iochain/core'
import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createRecordingLogger,
  startTestGateway,
  type TestGateway,
  writeTempFiles,
} from '../src/harness.ts'

// Filters as a user writes them, in TypeScript outside the workspace. Those in the pool report
// through `metadata`, which a blocking worker hook hands back to the main thread.
const SCANNER = `
import { isMainThread, threadId } from 'node:worker_threads'
import { IOFilterReject, type IOContext } from '@iochain/core'
export class Scanner {
  static worker = true
  onRequest(ctx: IOContext) {
    ctx.metadata.scannedInMainThread = isMainThread
    ctx.metadata.scannerThread = threadId
    ctx.metadata.scannerSawAuth = ctx.headers.authorization
    if (ctx.model === 'blocked-model') {
      throw new IOFilterReject('This model is blocked.', {
        status: 403, code: 'model_blocked', param: 'model', headers: { 'x-blocked-by': 'scanner' },
      })
    }
    if (ctx.model === 'explode') throw new Error('scanner broke')
  }
}
// No static flag: runs in the pool only when the entry says worker: true.
export class Plain {
  onRequest(ctx: IOContext) {
    ctx.metadata.plainInMainThread = isMainThread
    ctx.metadata.plainSawAuth = ctx.headers.authorization
  }
}
`

const RECORDER = `
import type { IOContext } from '@iochain/core'
const seen: Array<Record<string, unknown>> = ((globalThis as any).__workerSeen ??= [])
export class Recorder {
  onResponse(ctx: IOContext) {
    seen.push({ ...ctx.metadata, outcome: ctx.outcome.kind })
  }
}
`

// Crashes of every kind a thread can suffer, chosen by the request's model.
const CRASHER = `
import type { IOContext } from '@iochain/core'
export class Crasher {
  static worker = true
  onRequest(ctx: IOContext) {
    if (ctx.model === 'crash-uncaught') {
      return new Promise<void>(() => setTimeout(() => { throw new Error('boom in a timer') }))
    }
    if (ctx.model === 'crash-exit') process.exit(3)
    if (ctx.model === 'crash-later') {
      setTimeout(() => Promise.reject(new Error('late rejection')), 20)
    }
    if (ctx.model === 'crash-oom') {
      const hog: number[][] = []
      for (;;) hog.push(new Array(1_000_000).fill(Math.random()))
    }
    if (ctx.model === 'hang') for (;;) {}
  }
}
`

// Held on a shared memory cell until the test lets it go: no timing in the tests.
const HELD = `
import { isMainThread } from 'node:worker_threads'
import type { FilterInit, IOContext, Logger } from '@iochain/core'
export class Held {
  static worker = true
  blocking = false
  cell: Int32Array
  logger: Logger
  constructor(options: { cell: Int32Array }, init: FilterInit) {
    this.cell = options.cell
    this.logger = init.logger
  }
  onRequest(ctx: IOContext) {
    Atomics.wait(this.cell, 0, 0)
  }
  close() {
    this.logger.info({ mainThread: isMainThread }, 'held filter closed')
  }
}
export class Check {
  onRequest(ctx: IOContext) {
    ctx.metadata.checked = true
  }
}
`

const seen = (): Array<Record<string, unknown>> => ((globalThis as any).__workerSeen ??= [])
const user = (content: string) => [{ role: 'user' as const, content }]

function newCell(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4))
}

function release(cell: Int32Array): void {
  Atomics.store(cell, 0, 1)
  Atomics.notify(cell, 0)
}

async function rejectionOf(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(APIError)
  return error as APIError
}

describe('filters in the worker pool, through the real gateway', () => {
  let t: TestGateway

  beforeAll(async () => {
    const dir = writeTempFiles({ 'scanner.ts': SCANNER, 'recorder.ts': RECORDER })
    t = await startTestGateway({
      baseDir: dir,
      filters: [
        './recorder.ts:Recorder',
        './scanner.ts:Scanner',
        { use: './scanner.ts:Plain', worker: true, credentials: true },
      ],
      workerPool: { minThreads: 1, maxThreads: 2 },
    })
  })
  afterAll(() => t?.close())

  it('runs a TypeScript filter in a worker thread and hands its metadata back', async () => {
    const answer = await t.client.chat.completions.create({
      model: 'mock-model',
      messages: user('scan me'),
    })
    expect(answer.choices[0]?.message.content).toContain('scan me')
    const last = seen().at(-1)!
    expect(last).toMatchObject({
      scannedInMainThread: false,
      plainInMainThread: false,
      outcome: 'ok',
    })
    expect(last.scannerThread).not.toBe(0)
    // Credentials cross to the thread only for the entry granted them.
    expect(last).toMatchObject({ scannerSawAuth: '[redacted]', plainSawAuth: 'Bearer test-key' })
    expect(t.gateway.chain.filters.map((f) => [f.name, f.worker !== undefined])).toEqual([
      ['Recorder', false],
      ['Scanner', true],
      ['Plain', true],
    ])
    expect(t.gateway.chain.stats.workers).toMatchObject({ completed: 2, failed: 0, crashed: 0 })
  })

  it('answers an IOFilterReject from a worker exactly as one from the main thread', async () => {
    const error = await rejectionOf(
      t.client.chat.completions.create({ model: 'blocked-model', messages: user('hi') }),
    )
    expect(error.status).toBe(403)
    expect(error.code).toBe('model_blocked')
    expect(error.param).toBe('model')
    expect(error.type).toBe('permission_error')
    expect(error.message).toContain('This model is blocked.')
    expect(error.headers?.get('x-blocked-by')).toBe('scanner')
    // The recorder before it still sees the outcome, and what the scanner wrote before it threw.
    await expect.poll(() => seen().at(-1)?.outcome).toBe('rejected')
    expect(seen().at(-1)?.scannedInMainThread).toBe(false)
  })

  it('answers an error thrown in a worker with a 500 that leaks nothing', async () => {
    const error = await rejectionOf(
      t.client.chat.completions.create({ model: 'explode', messages: user('hi') }),
    )
    expect(error.status).toBe(500)
    expect(error.code).toBe('filter_error')
    expect(error.message).not.toContain('scanner broke')
    expect(t.gateway.chain.stats.workers?.failed).toBe(1)
  })
})

describe('worker threads that crash or hang', () => {
  let t: TestGateway
  const { logger, records } = createRecordingLogger()

  beforeAll(async () => {
    const dir = writeTempFiles({ 'crasher.ts': CRASHER })
    t = await startTestGateway({
      baseDir: dir,
      logger,
      filters: [
        {
          use: './crasher.ts:Crasher',
          timeoutMs: 15_000,
          match: { models: ['crash-*', 'mock-*'] },
        },
        {
          use: './crasher.ts:Crasher',
          name: 'Hanger',
          timeoutMs: 300,
          match: { models: ['hang'] },
        },
      ],
      workerPool: { minThreads: 1, maxThreads: 1, maxHeapMb: 64 },
    })
  })
  afterAll(() => t?.close())

  const served = () =>
    t.client.chat.completions.create({ model: 'mock-model', messages: user('after') })

  it.each([
    ['an uncaught error', 'crash-uncaught', /boom in a timer/],
    ['process.exit in the filter', 'crash-exit', /process\.exit\(3\)/],
    ['running out of memory', 'crash-oom', /memory/i],
  ])('replaces a thread killed by %s and serves the next request', async (_, model, why) => {
    const crashed = t.gateway.chain.stats.workers!.crashed
    const error = await rejectionOf(
      t.client.chat.completions.create({ model, messages: user('x') }),
    )
    expect(error.status).toBe(500)
    expect(error.code).toBe('filter_error')
    expect(t.gateway.chain.stats.workers!.crashed).toBe(crashed + 1)
    const logged = records.filter((r) => r.msg === 'worker thread crashed; it was replaced')
    expect(logged.at(-1)).toMatchObject({ filter: 'Crasher', hook: 'onRequest' })
    expect(logged.at(-1)?.requestId).toBe(error.headers?.get('x-request-id'))
    expect(logged.at(-1)?.err.message).toMatch(why)
    const answer = await served()
    expect(answer.choices[0]?.message.content).toContain('after')
  })

  it('blames the filter whose leftover work ends a thread between tasks', async () => {
    const crashed = t.gateway.chain.stats.workers!.crashed
    const answer = await t.client.chat.completions
      .create({ model: 'crash-later', messages: user('x') })
      .withResponse()
    await expect.poll(() => t.gateway.chain.stats.workers!.crashed).toBe(crashed + 1)
    const logged = records.filter(
      (r) => r.msg === 'worker thread crashed between tasks; it was replaced',
    )
    expect(logged.at(-1)).toMatchObject({
      filter: 'Crasher',
      hook: 'onRequest',
      requestId: answer.response.headers.get('x-request-id'),
      err: { message: 'late rejection' },
    })
    expect((await served()).choices[0]?.message.content).toContain('after')
  })

  it('fails a hook past its timeout and replaces the stuck thread', async () => {
    const error = await rejectionOf(
      t.client.chat.completions.create({ model: 'hang', messages: user('x') }),
    )
    expect(error.status).toBe(500)
    expect(error.code).toBe('filter_timeout')
    expect(t.gateway.chain.stats.workers).toMatchObject({ timedOut: 1 })
    expect(t.gateway.chain.stats.hooks.timedOut).toBe(1)
    const answer = await served()
    expect(answer.choices[0]?.message.content).toContain('after')
  })
})

describe('a saturated worker pool', () => {
  let t: TestGateway
  const cell = newCell()

  beforeAll(async () => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    t = await startTestGateway({
      baseDir: dir,
      filters: [
        { use: './held.ts:Held', options: { cell } },
        { use: './held.ts:Check', worker: true, match: { models: ['checked-*'] } },
      ],
      workerPool: { minThreads: 1, maxThreads: 1, maxQueue: 1 },
    })
  })
  afterAll(() => t?.close())

  it('drops background work, answers blocking hooks 503 with Retry-After, recovers', async () => {
    const chat = () =>
      t.client.chat.completions.create({ model: 'mock-model', messages: user('load') })
    // One task holds the only thread, one waits in the queue, the rest find it full.
    for (let i = 0; i < 4; i++) await chat()
    await expect.poll(() => t.gateway.chain.stats.workers?.dropped).toBe(2)
    expect(t.gateway.chain.stats.workers).toMatchObject({ running: 1, queued: 1 })
    expect(t.gateway.chain.stats.background.dropped).toBe(2)

    const error = await rejectionOf(
      t.client.chat.completions.create({ model: 'checked-model', messages: user('x') }),
    )
    expect(error.status).toBe(503)
    expect(error.code).toBe('worker_pool_busy')
    expect(error.headers?.get('retry-after')).toBe('1')

    release(cell)
    await expect.poll(() => t.gateway.chain.stats.workers?.queued).toBe(0)
    const answer = await t.client.chat.completions.create({
      model: 'checked-model',
      messages: user('x'),
    })
    expect(answer.choices).toHaveLength(1)
  })
})

describe('sizing the worker pool', () => {
  it('grows to maxThreads under load and shrinks to minThreads once idle', async () => {
    const cell = newCell()
    const dir = writeTempFiles({ 'held.ts': HELD })
    const t = await startTestGateway({
      baseDir: dir,
      filters: [{ use: './held.ts:Held', options: { cell } }],
      workerPool: { minThreads: 1, maxThreads: 2, idleTimeoutMs: 100 },
    })
    const chat = () =>
      t.client.chat.completions.create({ model: 'mock-model', messages: user('x') })
    for (let i = 0; i < 3; i++) await chat()
    await expect
      .poll(() => t.gateway.chain.stats.workers)
      .toMatchObject({
        threads: 2,
        running: 2,
        queued: 1,
      })
    release(cell)
    await expect.poll(() => t.gateway.chain.stats.workers?.completed).toBe(3)
    await expect.poll(() => t.gateway.chain.stats.workers?.threads).toBe(1)
    await t.close()
  })
})

describe('shutting down with tasks in flight', () => {
  const { logger, records } = createRecordingLogger()
  const start = async (cell: Int32Array) => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    const t = await startTestGateway({
      baseDir: dir,
      logger,
      filters: [{ use: './held.ts:Held', options: { cell } }],
      workerPool: { minThreads: 1, maxThreads: 1 },
    })
    await t.client.chat.completions.create({ model: 'mock-model', messages: user('x') })
    await expect.poll(() => t.gateway.chain.stats.workers?.running).toBe(1)
    return t
  }

  it('lets a running task finish within the deadline, then closes the filter in its thread', async () => {
    const cell = newCell()
    const t = await start(cell)
    const closing = t.gateway.close({ deadlineMs: 10_000 })
    release(cell)
    await closing
    expect(t.gateway.chain.stats.workers).toMatchObject({ completed: 1, failed: 0 })
    const closed = records.filter((r) => r.msg === 'held filter closed')
    expect(closed).toEqual([expect.objectContaining({ filter: 'Held', mainThread: false })])
    await t.mock?.close()
  })

  it('terminates a task that outlives the deadline', async () => {
    const t = await start(newCell())
    await t.gateway.close({ deadlineMs: 200 })
    expect(t.gateway.chain.stats.workers).toMatchObject({ completed: 0, failed: 1 })
    await t.mock?.close()
  })

  it('gives the pool what the requests left of one deadline, not a second one', async () => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    const t = await startTestGateway({
      baseDir: dir,
      logger,
      filters: [{ use: './held.ts:Held', blocking: true, options: { cell: newCell() } }],
      workerPool: { minThreads: 1, maxThreads: 1 },
    })
    const waiting = t.client.chat.completions
      .create({ model: 'mock-model', messages: user('x') })
      .catch((err: unknown) => err)
    await expect.poll(() => t.gateway.chain.stats.workers?.running).toBe(1)
    // The request holds the only thread past the deadline, so nothing is left for the pool.
    await t.gateway.close({ deadlineMs: 200 })
    const cut = records.filter((r) => r.msg?.startsWith('worker pool shutdown deadline passed'))
    expect(cut.at(-1)).toMatchObject({ running: 1, deadlineMs: 0 })
    expect(await waiting).toBeInstanceOf(Error)
    expect(t.gateway.chain.stats.workers).toMatchObject({ completed: 0, failed: 1 })
    await t.mock?.close()
  })
})

describe('loading worker filters', () => {
  it('checks the pool options before starting a thread', async () => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    const failure = await loadFilters([{ use: './held.ts:Check', worker: true }], {
      baseDir: dir,
      workerPool: { minThreads: 3, maxThreads: 2 },
    }).catch((err: unknown) => err)
    expect(failure).toMatchObject({ code: ErrorCodes.IOC_ERR_WORKER_POOL_OPTIONS })
    expect((failure as Error).message).toContain('options.minThreads (3) must not exceed')
  })

  it('refuses options that cannot be sent to a thread, naming the filter', async () => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    const failure = await loadFilters(
      [{ use: './held.ts:Check', worker: true, options: { onHit: () => {} } }],
      { baseDir: dir },
    ).catch((err: unknown) => err)
    expect(failure).toMatchObject({ code: ErrorCodes.IOC_ERR_FILTER_OPTIONS })
    expect((failure as Error).message).toContain('./held.ts:Check')
  })

  it("lets an entry's worker: false keep a pool-asking filter in this thread", async () => {
    const dir = writeTempFiles({ 'scanner.ts': SCANNER })
    const [scanner] = await loadFilters([{ use: './scanner.ts:Scanner', worker: false }], {
      baseDir: dir,
    })
    expect(scanner?.worker).toBeUndefined()
    const metadata: Record<string, unknown> = {}
    await scanner?.filter.onRequest?.({ model: 'm', headers: {}, metadata } as never)
    expect(metadata.scannedInMainThread).toBe(true)
  })

  it('reports a wrong spec of a worker filter with the loader error', async () => {
    const dir = writeTempFiles({ 'held.ts': HELD })
    const failure = await loadFilters([{ use: './held.ts:Chek', worker: true }], {
      baseDir: dir,
    }).catch((err: unknown) => err)
    expect(failure).toMatchObject({ code: ErrorCodes.IOC_ERR_SPEC_EXPORT_MISSING })
    expect((failure as Error).message).toContain('Did you mean `./held.ts:Check`?')
  })
})
