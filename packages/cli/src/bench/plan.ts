/** How much a bench run measures; the two presets keep it within its time budget. */
export interface BenchPlan {
  name: 'full' | 'quick'
  /** Rounds over all targets, in a rotated order, so that machine drift hits each alike. */
  rounds: number
  /** The first rounds that also search the throughput frontier and the stream ladder. */
  heavyRounds: number
  warmupRequests: number
  /** Closed-loop load per target before measuring, so that every target is equally warm. */
  warmupSaturationS: number
  /** Requests sent one at a time per target and round. */
  sequentialRequests: number
  saturation: { connections: number; durationS: number }
  /** Open-loop steps, as fractions of the proxy's saturation rate, each `stepMs` long. */
  frontier: { fractions: number[]; stepMs: number }
  /** Streams for time to first chunk and chunk gaps, started `staggerMs` apart. */
  pacedStreams: { count: number; staggerMs: number }
  /** Concurrent stream counts tried for "held with no chunk late by more than 5 ms". */
  streamLevels: number[]
  /** The stream count at which the gateway's memory is read. */
  memoryStreams: number
  /** Pause after the last load before reading memory "after". */
  settleMs: number
}

const FRACTIONS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2]

export const FULL_PLAN: BenchPlan = {
  name: 'full',
  rounds: 3,
  heavyRounds: 2,
  warmupRequests: 300,
  warmupSaturationS: 1,
  sequentialRequests: 1_000,
  saturation: { connections: 32, durationS: 2 },
  frontier: { fractions: FRACTIONS, stepMs: 1_000 },
  pacedStreams: { count: 32, staggerMs: 40 },
  streamLevels: [50, 100, 200, 400],
  memoryStreams: 200,
  settleMs: 2_000,
}

export const QUICK_PLAN: BenchPlan = {
  name: 'quick',
  rounds: 1,
  heavyRounds: 1,
  warmupRequests: 100,
  warmupSaturationS: 0.5,
  sequentialRequests: 200,
  saturation: { connections: 32, durationS: 1 },
  frontier: { fractions: [0.25, 0.5, 0.75, 1], stepMs: 400 },
  pacedStreams: { count: 8, staggerMs: 50 },
  streamLevels: [200],
  memoryStreams: 200,
  settleMs: 1_000,
}

/** The late-chunk bound of the stream ladder, ms. */
export const LATE_CHUNK_LIMIT_MS = 5
