import { performance } from 'node:perf_hooks'
import {
  type ChainStats,
  type FilterMatch,
  type HookName,
  IOChain,
  type IOContext,
  type IOFilter,
  type RejectionLike,
  type ResolvedFilter,
  type Timings,
  type WorkerDispatch,
} from '@iochain/core'
import { createCaptureLogger, type HookError } from './_capture-logger.ts'

export type { HookError } from './_capture-logger.ts'

/**
 * A filter with the settings an operator could give its config entry. What `loadFilters`
 * returns (a `ResolvedFilter`) is one too, worker filters included.
 */
export interface ChainEntry {
  filter: IOFilter
  name?: string
  blocking?: boolean
  timeoutMs?: number
  failMode?: 'open' | 'closed'
  strict?: boolean
  credentials?: boolean
  match?: FilterMatch
  /** Set by `loadFilters` for a filter that runs in the worker pool. */
  worker?: WorkerDispatch
}

export interface RunOptions {
  /** Run only this phase; both unless given. */
  only?: HookName
  /** Wait for background hooks before resolving (the default), up to this many ms. */
  backgroundTimeoutMs?: number
  /** Resolve without waiting for background hooks; `result.settled` waits for them. */
  skipBackground?: boolean
}

/** What happened to one request going through the filters. */
export interface RunResult {
  /** The context after the run: outcome, response and metadata as the last hook left them. */
  ctx: IOContext
  /** Set when a blocking `onRequest` refused the request. */
  rejection?: RejectionLike & { filter: string }
  /** Set when a blocking hook failed and its failure mode failed the request. */
  failure?: { filter: string; hook: HookName; status: number; code: string; message: string }
  /** Every hook failure, blocking or background, in the order reported. */
  errors: HookError[]
  /** The hooks that were called, in order. */
  calls: Array<{ filter: string; hook: HookName }>
  /** `ctx.metadata` after the run. */
  metadata: Record<string, unknown>
  /** Milliseconds spent in each filter's hooks. */
  filterMs: Record<string, number>
  /** Wall time of the whole run, background hooks included when awaited. */
  durationMs: number
  stats: ChainStats
  /** Resolves once every background hook finished. */
  settled: Promise<void>
}

/** Runs one filter's hooks on `ctx` as the gateway would. */
export function runFilter(
  filter: IOFilter | ChainEntry,
  ctx: IOContext,
  options?: RunOptions,
): Promise<RunResult> {
  return runChain([filter], ctx, options)
}

/**
 * Runs the filters' hooks on `ctx` through the real `IOChain`: blocking hooks awaited in order,
 * background hooks scheduled and (unless told otherwise) awaited before resolving. The
 * context's response, usage and outcome are what the rest of the call produced: `onRequest`
 * runs without them, as in the gateway, and `onResponse` sees them unless a filter stopped the
 * request first.
 */
export async function runChain(
  filters: ReadonlyArray<IOFilter | ChainEntry>,
  ctx: IOContext,
  options: RunOptions = {},
): Promise<RunResult> {
  const errors: HookError[] = []
  const calls: RunResult['calls'] = []
  const resolved = filters.map((f) => recordCalls(resolveEntry(f), calls))
  const chain = new IOChain(resolved, { logger: createCaptureLogger(errors) })
  const start = performance.now()
  const result: Omit<RunResult, 'durationMs' | 'stats' | 'settled'> = {
    ctx,
    errors,
    calls,
    metadata: ctx.metadata,
    filterMs: ctx.timings.filters,
  }

  if (options.only !== 'onResponse') {
    const planned = takeRequestPhase(ctx)
    const verdict = await chain.runRequest(ctx)
    if (verdict?.kind === 'rejected') {
      result.rejection = { ...verdict.rejection, filter: verdict.filter }
      ctx.response = { status: verdict.rejection.status, headers: {}, body: null }
    } else if (verdict) {
      result.failure = { ...omitKind(verdict), hook: 'onRequest' }
      ctx.response = { status: verdict.status, headers: {}, body: null }
    } else {
      restore(ctx, planned)
    }
    ctx.timings.finishedAt ??= Date.now()
  }
  if (options.only !== 'onRequest') {
    const strict = await chain.runResponse(ctx)
    if (strict?.kind === 'failed' && !result.failure) {
      result.failure = { ...omitKind(strict), hook: 'onResponse' }
    }
  }

  const settled = chain.drain(options.backgroundTimeoutMs ?? 10_000).then(() => {})
  if (!options.skipBackground) await settled
  return {
    ...result,
    durationMs: performance.now() - start,
    stats: chain.stats,
    settled,
  }
}

// --- internal ---

function isChainEntry(value: IOFilter | ChainEntry): value is ChainEntry {
  const v = value as ChainEntry & IOFilter
  return (
    typeof v.filter === 'object' &&
    v.filter !== null &&
    typeof v.onRequest !== 'function' &&
    typeof v.onResponse !== 'function'
  )
}

/** A filter object with its entry settings, as the chain runs it. */
export function resolveEntry(value: IOFilter | ChainEntry): ResolvedFilter {
  const entry = isChainEntry(value) ? value : { filter: value }
  const { filter } = entry
  const blocking = entry.blocking ?? filter.blocking ?? true
  return {
    name: entry.name ?? nameOf(filter),
    filter,
    blocking,
    timeoutMs: entry.timeoutMs,
    failMode: entry.failMode ?? (blocking ? 'closed' : 'open'),
    strict: entry.strict ?? false,
    credentials: entry.credentials ?? false,
    match: entry.match,
    worker: entry.worker,
  }
}

// The chain gets thin wrappers that record each call; the hooks run with the filter as `this`.
function recordCalls(resolved: ResolvedFilter, calls: RunResult['calls']): ResolvedFilter {
  const { filter, name, worker } = resolved
  const recorded: IOFilter = { name }
  for (const hook of ['onRequest', 'onResponse'] as const) {
    const fn = filter[hook]
    if (typeof fn !== 'function') continue
    recorded[hook] = (ctx) => {
      calls.push({ filter: name, hook })
      return fn.call(filter, ctx)
    }
  }
  if (!worker) return { ...resolved, filter: recorded }
  // A worker filter's hooks are reached through its dispatch, not through `filter`.
  const dispatch: WorkerDispatch = Object.create(worker, {
    call: {
      value: (...args: Parameters<WorkerDispatch['call']>) => {
        calls.push({ filter: name, hook: args[0] })
        return worker.call(...args)
      },
    },
  })
  return { ...resolved, filter: recorded, worker: dispatch }
}

function nameOf(filter: IOFilter): string {
  if (typeof filter.name === 'string' && filter.name !== '') return filter.name
  const ctor = (filter as { constructor?: { name?: string } }).constructor
  return ctor?.name && ctor.name !== 'Object' ? ctor.name : 'filter'
}

type Planned = Pick<IOContext, 'response' | 'usage' | 'outcome'> & { marks: Partial<Timings> }

const LATER_MARKS = ['upstreamAt', 'firstByteAt', 'firstTokenAt', 'finishedAt'] as const

// Hides what is only known after the upstream answered; returns it to put back afterwards.
function takeRequestPhase(ctx: IOContext): Planned {
  const { response, usage, outcome, timings } = ctx
  const marks: Partial<Timings> = {}
  for (const mark of LATER_MARKS) {
    marks[mark] = timings[mark]
    delete timings[mark]
  }
  ctx.response = null
  ctx.usage = null
  ctx.outcome = { kind: 'pending' }
  return { response, usage, outcome, marks }
}

function restore(ctx: IOContext, planned: Planned): void {
  ctx.response = planned.response
  ctx.usage = planned.usage
  ctx.outcome = planned.outcome
  for (const mark of LATER_MARKS) {
    if (planned.marks[mark] !== undefined) ctx.timings[mark] = planned.marks[mark]
  }
}

function omitKind<T extends { kind: string }>(value: T): Omit<T, 'kind'> {
  const { kind: _kind, ...rest } = value
  return rest
}
