import type { FilterEntry } from '@iochain/core'

/** What the bench measures: the upstream itself, the reference proxy, or an IOChain gateway. */
export type TargetSpec =
  | { kind: 'direct' }
  | { kind: 'proxy' }
  | {
      kind: 'gateway'
      /** The chain: filter specs or entries, as `iochain run --filters` lists them. */
      filters?: Array<string | FilterEntry>
      /** Or a config file, whose filters and limits are used and whose upstream is not. */
      config?: string
      /** Where relative specs and the config path resolve. */
      baseDir?: string
      /** Environment the gateway process gets on top of the bench's (keys a filter reads). */
      env?: Record<string, string>
    }

export interface BenchTarget {
  /** Short key used in results files. */
  id: string
  /** What the tables show. */
  label: string
  spec: TargetSpec
}

/** How a target process is started: the mock upstream, the proxy, or a gateway. */
export type TargetInit =
  | { kind: 'mock'; chunkDelayMs: number; replyTokens: number }
  | { kind: 'proxy'; upstream: string }
  | {
      kind: 'gateway'
      upstream: string
      filters: Array<string | FilterEntry>
      config: string | undefined
      baseDir: string
    }

/** What a target process announces once listening. */
export interface TargetReady {
  /** `http://host:port`, without a path. */
  origin: string
}

/** The targets every run has: the upstream directly and the proxy all ratios refer to. */
export const BASELINE_TARGETS: readonly BenchTarget[] = [
  { id: 'direct', label: 'upstream directly', spec: { kind: 'direct' } },
  { id: 'proxy', label: 'pass-through proxy', spec: { kind: 'proxy' } },
]
