import type { BenchRun } from './run-bench.ts'
import type { TargetSamples } from './samples.ts'
import { median, ratio, summarize } from './stats.ts'

/** Every figure reported per target; each also appears as a ratio to the proxy's. */
export const FIGURE_NAMES = [
  'latencyMedianUs',
  'latencyP99Us',
  'addedLatencyMedianUs',
  'addedLatencyP99Us',
  'saturationRps',
  'cpuPerRequestUs',
  'frontier1msRps',
  'frontier5msRps',
  'ttfcMedianUs',
  'addedTtfcMedianUs',
  'gapMedianUs',
  'addedGapMedianUs',
  'gapP99Us',
  'addedGapP99Us',
  'streamsHeld',
  'mergedEvents',
  'failedStreams',
  'rssIdleMB',
  'rssLoadMB',
  'rssStreamsMB',
  'rssAfterMB',
  'heapIdleMB',
  'heapAfterMB',
] as const

export type FigureName = (typeof FIGURE_NAMES)[number]
export type Figures = Record<FigureName, number | null>

export interface TargetFigures {
  id: string
  label: string
  figures: Figures
  /** Each figure divided by the pass-through proxy's. */
  ratios: Figures
}

/** Derives the figures of every target: medians over rounds, additions over the upstream's. */
export function deriveFigures(run: BenchRun): TargetFigures[] {
  const raw = run.targets.map(({ target, samples }) => ({ target, base: baseFigures(samples) }))
  const direct = raw.find((r) => r.target.spec.kind === 'direct')?.base
  const withAdded = raw.map(({ target, base }) => ({
    id: target.id,
    label: target.label,
    figures: addOverDirect(base, direct),
  }))
  const proxy = withAdded.find((t) => t.id === 'proxy')?.figures
  return withAdded.map((t) => ({
    ...t,
    ratios: Object.fromEntries(
      FIGURE_NAMES.map((name) => [name, proxy ? ratio(t.figures[name], proxy[name]) : null]),
    ) as Figures,
  }))
}

function baseFigures(samples: TargetSamples): Figures {
  const latency = summarize(samples.latencyUs)
  const gaps = summarize(samples.gapsUs)
  return {
    latencyMedianUs: latency.median,
    latencyP99Us: latency.p99,
    addedLatencyMedianUs: null,
    addedLatencyP99Us: null,
    saturationRps: median(samples.saturationRps),
    cpuPerRequestUs: median(samples.cpuPerRequestUs),
    frontier1msRps: median(samples.frontier1msRps),
    frontier5msRps: median(samples.frontier5msRps),
    ttfcMedianUs: median(samples.ttfcUs),
    addedTtfcMedianUs: null,
    gapMedianUs: gaps.median,
    addedGapMedianUs: null,
    gapP99Us: gaps.p99,
    addedGapP99Us: null,
    streamsHeld: median(samples.streamsHeld),
    mergedEvents: samples.mergedEvents,
    failedStreams: samples.failedStreams,
    rssIdleMB: megabytes(samples.rss.idle),
    rssLoadMB: megabytes(samples.rss.load),
    rssStreamsMB: megabytes(samples.rss.streams),
    rssAfterMB: megabytes(samples.rss.after),
    heapIdleMB: megabytes(samples.heap.idle),
    heapAfterMB: megabytes(samples.heap.after),
  }
}

function addOverDirect(base: Figures, direct: Figures | undefined): Figures {
  const minus = (a: number | null, b: number | null | undefined) =>
    a === null || b === null || b === undefined || Number.isNaN(a) ? null : a - b
  return {
    ...base,
    addedLatencyMedianUs: minus(base.latencyMedianUs, direct?.latencyMedianUs),
    addedLatencyP99Us: minus(base.latencyP99Us, direct?.latencyP99Us),
    addedTtfcMedianUs: minus(base.ttfcMedianUs, direct?.ttfcMedianUs),
    addedGapMedianUs: minus(base.gapMedianUs, direct?.gapMedianUs),
    addedGapP99Us: minus(base.gapP99Us, direct?.gapP99Us),
  }
}

function megabytes(bytes: number | null): number | null {
  return bytes === null ? null : bytes / (1024 * 1024)
}
