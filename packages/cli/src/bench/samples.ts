/** Everything measured of one target over all rounds, before any figure is derived. */
export interface TargetSamples {
  latencyUs: number[]
  /** Per round. */
  saturationRps: number[]
  saturationErrors: number
  /** Per round: CPU time the target process spent per answered request under saturation, µs. */
  cpuPerRequestUs: number[]
  /** Per heavy round: the highest rate whose p99 stayed under 1 ms and under 5 ms. */
  frontier1msRps: number[]
  frontier5msRps: number[]
  ttfcUs: number[]
  gapsUs: number[]
  mergedEvents: number
  failedStreams: number
  /** Per heavy round: the most concurrent streams held with no chunk late by over 5 ms. */
  streamsHeld: number[]
  /** Per heavy round and level: the worst chunk lateness seen, ms. */
  worstLateMs: Record<number, number[]>
  /** Resident memory in bytes; `null` for the upstream itself. */
  rss: { idle: number | null; load: number | null; streams: number | null; after: number | null }
  /** V8 heap in use, bytes: what a leak grows, while RSS keeps the heap's high-water mark. */
  heap: { idle: number | null; after: number | null }
}

export function emptySamples(): TargetSamples {
  return {
    latencyUs: [],
    saturationRps: [],
    saturationErrors: 0,
    cpuPerRequestUs: [],
    frontier1msRps: [],
    frontier5msRps: [],
    ttfcUs: [],
    gapsUs: [],
    mergedEvents: 0,
    failedStreams: 0,
    streamsHeld: [],
    worstLateMs: {},
    rss: { idle: null, load: null, streams: null, after: null },
    heap: { idle: null, after: null },
  }
}
