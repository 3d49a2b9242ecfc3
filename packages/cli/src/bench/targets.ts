import type { FilterEntry } from '@iochain/core'

/** What the bench measures: the upstream itself, the reference proxy, or an IOChain gateway. */
export type TargetSpec =
  | { kind: 'direct' }
  | { kind: 'proxy' }
  | {
      kind: 'gateway'
      /** The chain: filter specs or entries, as `iochain run --filters` or a config lists them. */
      filters: Array<string | FilterEntry>
      /** Where relative specs resolve. */
      baseDir?: string
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
