import { performance } from 'node:perf_hooks'
import { type IOContext, withCredentials } from './context.ts'
import { describeError, ErrorCodes, IOChainError } from './errors.ts'
import type { ChainHandle, ResolvedFilter } from './filter.ts'
import type { Logger } from './logger.ts'
import { createSilentLogger } from './logger.ts'
import { isFilterReject, type RejectionLike, toRejection } from './reject.ts'
import { type FilterPool, isWorkerQueueFull, type WorkerPoolStats } from './worker/pool.ts'

export type HookName = 'onRequest' | 'onResponse'

/**
 * Hook kinds, in the words the reference uses:
 * - `sequential`: blocking hooks, awaited one after another in configured order;
 * - `background`: non-blocking hooks, scheduled on a bounded queue and never awaited.
 *
 * A filter that runs in the worker pool keeps its kind; its hook runs in a pool thread on a
 * snapshot of the context, and a blocking one's `metadata` writes are applied when it returns.
 */
export type HookKind = 'sequential' | 'background'

export interface ChainOptions {
  logger?: Logger
  /** Background hook calls allowed in flight; more are dropped and counted. */
  backgroundQueueLimit?: number
  /** Deadline for a background hook that sets no `timeoutMs` of its own. */
  backgroundTimeoutMs?: number
}

/** Why `runRequest` stopped the request. */
export type RequestVerdict =
  | { kind: 'rejected'; filter: string; rejection: RejectionLike }
  | {
      kind: 'failed'
      filter: string
      status: number
      code: string
      message: string
      /** Extra response headers, such as `retry-after` when the worker pool is saturated. */
      headers?: Record<string, string>
    }

export interface ChainStats {
  hooks: { failed: number; timedOut: number }
  background: {
    scheduled: number
    completed: number
    failed: number
    timedOut: number
    dropped: number
    pending: number
  }
  /** The worker pool's counters; `null` when no filter runs in a worker. */
  workers: WorkerPoolStats | null
}

const DEFAULT_QUEUE_LIMIT = 10_000
const DEFAULT_BACKGROUND_TIMEOUT_MS = 30_000
// What a client is told to wait before retrying when the worker pool queue is full.
const POOL_BUSY_RETRY_AFTER_S = '1'

/** Runs the configured filters' hooks for each request, in order. */
export class IOChain {
  readonly filters: readonly ResolvedFilter[]
  readonly #logger: Logger
  readonly #queueLimit: number
  readonly #backgroundTimeoutMs: number
  readonly #pool: FilterPool | undefined
  // Indices into `filters`, sorted once: a hook nobody implements is never looked at again.
  readonly #requestHooks: number[]
  readonly #responseHooks: number[]
  // Where a request stopped (the rejecting or failing filter's index), for `runResponse`.
  readonly #stoppedAt = new WeakMap<IOContext, number>()
  readonly #idleWaiters: Array<() => void> = []
  #closed = false
  #stats: Omit<ChainStats, 'workers'> = {
    hooks: { failed: 0, timedOut: 0 },
    background: { scheduled: 0, completed: 0, failed: 0, timedOut: 0, dropped: 0, pending: 0 },
  }

  constructor(filters: readonly ResolvedFilter[], options: ChainOptions = {}) {
    const limit = options.backgroundQueueLimit ?? DEFAULT_QUEUE_LIMIT
    if (!Number.isInteger(limit) || limit < 0) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_CHAIN_OPTIONS,
        `options.backgroundQueueLimit must be a non-negative integer, got ${limit}`,
      )
    }
    this.filters = filters
    this.#logger = options.logger ?? createSilentLogger()
    this.#queueLimit = limit
    this.#backgroundTimeoutMs = options.backgroundTimeoutMs ?? DEFAULT_BACKGROUND_TIMEOUT_MS
    this.#requestHooks = indicesWith(filters, 'onRequest')
    this.#responseHooks = indicesWith(filters, 'onResponse')
    this.#pool = poolOf(filters)
    const handle: ChainHandle = { stats: () => this.stats }
    for (const entry of filters) entry.filter.attach?.(handle)
  }

  get isEmpty(): boolean {
    return this.filters.length === 0
  }

  get hasRequestHooks(): boolean {
    return this.#requestHooks.length > 0
  }

  get hasResponseHooks(): boolean {
    return this.#responseHooks.length > 0
  }

  /** A snapshot of the counters. */
  get stats(): ChainStats {
    return { ...structuredClone(this.#stats), workers: this.#pool?.stats ?? null }
  }

  /** Runs `onRequest`; resolves to a verdict when the request must not go upstream. */
  async runRequest(ctx: IOContext): Promise<RequestVerdict | undefined> {
    let background: ResolvedFilter[] | undefined
    try {
      for (const index of this.#requestHooks) {
        const entry = this.filters[index]!
        if (!applies(entry, ctx)) continue
        if (!entry.blocking) {
          background = append(background, entry)
          continue
        }
        const verdict = await this.#runBlocking(entry, 'onRequest', ctx)
        if (verdict) {
          this.#stoppedAt.set(ctx, index)
          return verdict
        }
      }
    } finally {
      if (background) this.#schedule(background, 'onRequest', ctx)
    }
    return undefined
  }

  /**
   * Runs `onResponse` for every filter whose `onRequest` ran or that has none. Resolves to the
   * first failure of a strict filter, which the caller turns into an error response if it can.
   */
  async runResponse(ctx: IOContext): Promise<RequestVerdict | undefined> {
    const stop = this.#stoppedAt.get(ctx) ?? Number.POSITIVE_INFINITY
    let background: ResolvedFilter[] | undefined
    let strictFailure: RequestVerdict | undefined
    for (const index of this.#responseHooks) {
      const entry = this.filters[index]!
      if (index >= stop && typeof entry.filter.onRequest === 'function') continue
      if (!applies(entry, ctx)) continue
      if (!entry.blocking) {
        background = append(background, entry)
        continue
      }
      const failure = await this.#runBlocking(entry, 'onResponse', ctx)
      if (failure && entry.strict) strictFailure ??= failure
    }
    if (background) this.#schedule(background, 'onResponse', ctx)
    return strictFailure
  }

  /** Resolves once no background hook is in flight, or after `timeoutMs`. */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    if (this.#stats.background.pending === 0) return true
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.#idleWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /**
   * Calls every filter's `close()` once, in configured order; failures are logged. Then stops
   * the worker pool: tasks in flight get `deadlineMs` to finish before their threads end.
   */
  async close({ deadlineMs = 10_000 }: { deadlineMs?: number } = {}): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const entry of this.filters) {
      if (typeof entry.filter.close !== 'function') continue
      try {
        await entry.filter.close()
      } catch (err) {
        this.#logger.error({ err, filter: entry.name }, 'filter close failed')
      }
    }
    await this.#pool?.close({ deadlineMs })
  }

  // --- internal ---

  // A blocking hook: awaited; a rejection or failure becomes a verdict, never a throw.
  async #runBlocking(
    entry: ResolvedFilter,
    hook: HookName,
    ctx: IOContext,
  ): Promise<RequestVerdict | undefined> {
    try {
      await callHook(entry, hook, ctx, entry.timeoutMs)
      return undefined
    } catch (err) {
      if (hook === 'onRequest' && isFilterReject(err)) {
        const rejection = toRejection(err)
        ctx.outcome = {
          kind: 'rejected',
          filter: entry.name,
          status: rejection.status,
          message: rejection.message,
          code: rejection.code ?? undefined,
        }
        return { kind: 'rejected', filter: entry.name, rejection }
      }
      return this.#recordFailure(entry, hook, ctx, err)
    }
  }

  #recordFailure(
    entry: ResolvedFilter,
    hook: HookName,
    ctx: IOContext,
    err: unknown,
  ): RequestVerdict | undefined {
    if (isWorkerQueueFull(err)) return this.#poolBusy(entry, hook, ctx)
    const timedOut = isTimeout(err)
    this.#stats.hooks.failed++
    if (timedOut) this.#stats.hooks.timedOut++
    this.#logger.error(
      { err, requestId: ctx.requestId, filter: entry.name, hook },
      timedOut ? 'filter hook timed out' : 'filter hook failed',
    )
    const closes = hook === 'onRequest' ? entry.failMode === 'closed' : entry.strict
    if (!closes) return undefined
    const code = timedOut ? 'filter_timeout' : 'filter_error'
    const verdict: RequestVerdict = {
      kind: 'failed',
      filter: entry.name,
      status: 500,
      code,
      message: `The request failed in filter '${entry.name}' (request ${ctx.requestId}).`,
    }
    if (hook === 'onRequest') {
      ctx.outcome = {
        kind: 'error',
        filter: entry.name,
        status: 500,
        code,
        message: describeError(err),
      }
    }
    return verdict
  }

  // A blocking worker hook that found the pool queue full: the client may retry shortly.
  #poolBusy(entry: ResolvedFilter, hook: HookName, ctx: IOContext): RequestVerdict | undefined {
    this.#stats.hooks.failed++
    this.#logger.warn(
      { requestId: ctx.requestId, filter: entry.name, hook },
      'worker pool queue full, blocking hook not run',
    )
    const closes = hook === 'onRequest' ? entry.failMode === 'closed' : entry.strict
    if (!closes) return undefined
    const message = 'The server is busy; retry shortly.'
    const verdict: RequestVerdict = {
      kind: 'failed',
      filter: entry.name,
      status: 503,
      code: 'worker_pool_busy',
      message,
      headers: { 'retry-after': POOL_BUSY_RETRY_AFTER_S },
    }
    if (hook === 'onRequest') {
      ctx.outcome = { kind: 'error', filter: entry.name, status: 503, code: verdict.code, message }
    }
    return verdict
  }

  // Background hooks: one macrotask per request and phase starts them all, so the caller's
  // response is never delayed by a hook's synchronous part.
  #schedule(entries: ResolvedFilter[], hook: HookName, ctx: IOContext): void {
    const stats = this.#stats.background
    const admitted: ResolvedFilter[] = []
    for (const entry of entries) {
      if (stats.pending >= this.#queueLimit) {
        this.#countDrop(entry, hook)
        continue
      }
      stats.pending++
      stats.scheduled++
      admitted.push(entry)
    }
    if (admitted.length === 0) return
    setImmediate(() => {
      for (const entry of admitted) void this.#runBackground(entry, hook, ctx)
    })
  }

  #countDrop(entry: ResolvedFilter, hook: HookName): void {
    const dropped = ++this.#stats.background.dropped
    // Logged on the first drop and then every thousandth, so pressure cannot flood the log.
    if (dropped % 1000 === 1) {
      this.#logger.warn(
        { filter: entry.name, hook, dropped },
        'background queue full, hooks are being dropped',
      )
    }
  }

  async #runBackground(entry: ResolvedFilter, hook: HookName, ctx: IOContext): Promise<void> {
    const stats = this.#stats.background
    try {
      await callHook(entry, hook, ctx, entry.timeoutMs ?? this.#backgroundTimeoutMs)
      stats.completed++
    } catch (err) {
      if (isWorkerQueueFull(err)) {
        this.#countDrop(entry, hook)
        return
      }
      stats.failed++
      if (isTimeout(err)) stats.timedOut++
      this.#logger.error(
        { err, requestId: ctx.requestId, filter: entry.name, hook },
        'background filter hook failed',
      )
    } finally {
      stats.pending--
      if (stats.pending === 0) for (const wake of this.#idleWaiters.splice(0)) wake()
    }
  }
}

// --- internal ---

// The list is created only when a background filter applies, so a chain without one allocates
// nothing per request.
function append<T>(list: T[] | undefined, item: T): T[] {
  if (!list) return [item]
  list.push(item)
  return list
}

// All worker filters of a chain share one pool, which the chain closes and reports.
function poolOf(filters: readonly ResolvedFilter[]): FilterPool | undefined {
  const pools = new Set(filters.flatMap((f) => (f.worker ? [f.worker.pool] : [])))
  if (pools.size > 1) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_CHAIN_OPTIONS,
      'The filters of one chain must share one worker pool; load them with one loadFilters call.',
    )
  }
  return pools.values().next().value
}

function indicesWith(filters: readonly ResolvedFilter[], hook: HookName): number[] {
  const out: number[] = []
  filters.forEach((entry, index) => {
    if (typeof entry.filter[hook] === 'function') out.push(index)
  })
  return out
}

function applies(entry: ResolvedFilter, ctx: IOContext): boolean {
  const match = entry.match
  if (!match) return true
  if (match.endpoints && !match.endpoints.includes(ctx.endpoint)) return false
  if (match.models && !match.models.some((pattern) => modelMatches(pattern, ctx.model))) {
    return false
  }
  return true
}

/** `gpt-4o` matches exactly; `llama-*` matches by prefix. */
export function modelMatches(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model
}

// Treats a synchronous throw and a rejected promise alike, and times the hook.
async function callHook(
  entry: ResolvedFilter,
  hook: HookName,
  ctx: IOContext,
  timeoutMs: number | undefined,
): Promise<void> {
  const view = entry.credentials ? withCredentials(ctx) : ctx
  const start = performance.now()
  try {
    if (entry.worker) {
      await entry.worker.call(hook, view, { timeoutMs, mergeMetadata: entry.blocking })
      return
    }
    const result = entry.filter[hook]!(view)
    if (result && typeof (result as Promise<void>).then === 'function') {
      await (timeoutMs ? withTimeout(result, timeoutMs, entry.name, hook) : result)
    }
  } catch (err) {
    if (err === undefined || err === null) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_HOOK_EMPTY_REJECTION,
        `Filter '${entry.name}' ${hook} threw or rejected with ${String(err)}.`,
      )
    }
    throw err
  } finally {
    const spent = performance.now() - start
    ctx.timings.filters[entry.name] = (ctx.timings.filters[entry.name] ?? 0) + spent
  }
}

function withTimeout(
  promise: Promise<void>,
  timeoutMs: number,
  name: string,
  hook: HookName,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new IOChainError(
          ErrorCodes.IOC_ERR_HOOK_TIMEOUT,
          `Filter '${name}' ${hook} did not finish within ${timeoutMs} ms.`,
        ),
      )
    }, timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function isTimeout(err: unknown): boolean {
  return err instanceof IOChainError && err.code === ErrorCodes.IOC_ERR_HOOK_TIMEOUT
}
