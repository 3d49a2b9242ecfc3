import type { ChainStats } from '@iochain/core'

// Messages between the scenario's processes over their IPC channels.

export type Way = 'none' | 'inline' | 'worker'

export interface GatewayReady {
  kind: 'ready'
  url: string
  filters: string[]
}

export interface EventLoopDelay {
  p50Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
}

export interface GatewayReport {
  kind: 'report'
  eventLoop: EventLoopDelay
  stats: ChainStats
}

export type GatewayCommand = { kind: 'measure' } | { kind: 'report' } | { kind: 'close' }

export interface LoadPlan {
  url: string
  prompt: string
  /** Non-streaming requests per second, at a fixed rate. */
  rate: number
  /** Streaming requests per second, fired on a timer to measure time to first token. */
  streamRate: number
  durationS: number
  connections: number
}

export interface LoadReport {
  kind: 'load'
  requests: { sent: number; ok: number; errors: number; non2xx: number; perSecond: number }
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  streams: { count: number; failed: number; ttftMs: { p50: number; p99: number } }
}
