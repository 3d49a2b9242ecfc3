import type { HookName } from '../chain.ts'
import type { ContextSnapshot } from './snapshot.ts'

// The wire protocol between the pool and its threads. Every message is structured-clone safe.

/** How a thread loads a filter; the same spec and options the main thread was given. */
export interface WorkerFilterSource {
  /** Unique per pool; a thread keeps one instance per key. */
  key: string
  spec: string
  options: unknown
  baseDir: string
  fallbackDirs: string[]
  name?: string
}

/** Load the filter in a thread and report what it is. */
export interface DescribeTask {
  kind: 'describe'
  source: WorkerFilterSource
}

/** Run one hook on a context snapshot. */
export interface HookTask {
  kind: 'hook'
  source: WorkerFilterSource
  hook: HookName
  ctx: ContextSnapshot
}

export type WorkerTask = DescribeTask | HookTask

/** A log record written by a filter in a thread, replayed by the main thread's logger. */
export interface RelayedLog {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
  bindings: Record<string, unknown>
  obj: unknown
  msg?: string
}

/** What a filter turned out to be once constructed in a thread. */
export interface FilterDescription {
  name: string
  blocking: boolean | undefined
  hooks: HookName[]
}

/** Top-level `metadata` keys the hook assigned or deleted. */
export interface MetadataChanges {
  set: Record<string, unknown>
  deleted: string[]
  /** Keys whose new value could not cross the thread boundary and were left out. */
  uncloneable: string[]
}

/** A thrown value, flattened so it survives structured clone with every field. */
export interface WireError {
  name: string
  message: string
  stack?: string
  code?: string
  /** Present when the hook threw `IOFilterReject`. */
  reject?: {
    status: number
    code: string | null
    type: string
    param: string | null
    headers: Record<string, string>
  }
}

/** Every task resolves to one of these; only a dead or aborted thread rejects. */
export type WorkerResult =
  | { ok: true; kind: 'describe'; description: FilterDescription; logs: RelayedLog[] }
  | { ok: true; kind: 'hook'; metadata: MetadataChanges; logs: RelayedLog[] }
  | { ok: false; error: WireError; metadata?: MetadataChanges; logs: RelayedLog[] }

/** Sent once to every thread, over the pool's broadcast channel, when the pool shuts down. */
export interface CloseRequest {
  kind: 'close'
}

/** A thread's answer once every filter it holds has run `close()`. */
export interface CloseReply {
  kind: 'closed'
  threadId: number
  logs: RelayedLog[]
}

/** Which filter's code was running; attached to an error that ends a thread between tasks. */
export interface TaskOrigin {
  filter: string
  hook: string
  requestId?: string
}

/** The property of such an error that carries its `TaskOrigin`. */
export const ORIGIN_KEY = 'iochainOrigin'

/** What every thread of a pool receives at start. */
export interface PoolWorkerData {
  /** The name of the pool's broadcast channel. */
  channel: string
}
