import type { ChainStats } from './chain.ts'
import type { IOContext } from './context.ts'
import type { Logger } from './logger.ts'
import type { WorkerDispatch } from './worker/proxy.ts'

/** What `onRequest` and `onResponse` may return; the value itself is ignored. */
export type HookResult = void | Promise<void>

/**
 * A filter: an object, normally a class instance, with up to two hooks around each inference
 * call. A hook that the filter does not implement costs nothing.
 */
export interface IOFilter {
  /** Shown in logs, metrics and errors; defaults to the class or export name. */
  name?: string
  /** `true` (the default): the request waits for the hook. `false`: run in the background. */
  blocking?: boolean
  /** After the request is parsed, before it goes upstream. May throw `IOFilterReject`. */
  onRequest?(ctx: IOContext): HookResult
  /** After the response is complete, failed or cancelled. */
  onResponse?(ctx: IOContext): HookResult
  /** Called once on shutdown. */
  close?(): void | Promise<void>
  /** Called once by the chain that runs the filter, before any request; for chain-wide views. */
  attach?(chain: ChainHandle): void
}

/** What a chain shares with its filters through `attach`. */
export interface ChainHandle {
  /**
   * A snapshot of the chain's counters. Groups may be added (a worker pool adds its own), so
   * readers that export them should walk the numeric fields rather than list them.
   */
  stats(): ChainStats
}

/** What a filter's constructor or factory receives next to its options. */
export interface FilterInit {
  /** The name the entry will run under. */
  name: string
  /** A child logger tagged with the filter's name. */
  logger: Logger
  /** The folder relative paths in options resolve against. */
  baseDir: string
  /** Whether the entry grants unredacted credential headers; absent outside the loader. */
  credentials?: boolean
}

/**
 * A filter class. `static worker = true` asks for the worker pool by default: its hooks then run
 * in a pool thread on a context snapshot, unless the operator's entry sets `worker: false`.
 */
export type FilterClass<O = unknown> = (new (
  options: O,
  init: FilterInit,
) => IOFilter) & {
  worker?: boolean
}
export type FilterFactory<O = unknown> = (
  options: O,
  init: FilterInit,
) => IOFilter | Promise<IOFilter>

export type Endpoint = 'chat.completions' | 'completions' | 'embeddings' | 'responses'

/** Selects the requests an entry applies to; an absent list matches everything. */
export interface FilterMatch {
  endpoints?: Endpoint[]
  models?: string[]
}

/** A filter as the chain runs it: the instance plus what the operator configured around it. */
export interface ResolvedFilter {
  name: string
  filter: IOFilter
  blocking: boolean
  /** Per-hook deadline in ms; `undefined` means none for blocking and the chain default else. */
  timeoutMs?: number
  /** `closed`: a failure fails the request. `open`: it is logged and the request goes on. */
  failMode: 'open' | 'closed'
  /** A failing `onResponse` turns into an error response where one can still be sent. */
  strict: boolean
  /** The filter sees credential headers unredacted. */
  credentials: boolean
  match?: FilterMatch
  /** The spec it was loaded from, for messages. */
  spec?: string
  /** Set when the filter runs in the worker pool; `filter` is then a stand-in that dispatches. */
  worker?: WorkerDispatch
}
