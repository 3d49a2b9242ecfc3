import { describe, expect, it } from 'vitest'
import { deriveFigures } from '../src/bench/figures.ts'
import { QUICK_PLAN } from '../src/bench/plan.ts'
import type { BenchRun } from '../src/bench/run-bench.ts'
import { emptySamples, type TargetSamples } from '../src/bench/samples.ts'
import { percentile, ratio, summarize } from '../src/bench/stats.ts'
import type { BenchTarget } from '../src/bench/targets.ts'

describe('stats', () => {
  it('takes nearest-rank percentiles of unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(summarize(samples)).toEqual({ count: 100, median: 50, p99: 99, max: 100 })
    expect(percentile([], 50)).toBeNaN()
  })

  it('gives no ratio over a zero or missing base', () => {
    expect(ratio(3, 2)).toBe(1.5)
    expect(ratio(3, 0)).toBeNull()
    expect(ratio(null, 2)).toBeNull()
    expect(ratio(3, Number.NaN)).toBeNull()
  })
})

describe('deriveFigures', () => {
  const target = (id: string, kind: 'direct' | 'proxy' | 'gateway'): BenchTarget => ({
    id,
    label: id,
    spec: kind === 'gateway' ? { kind, filters: [] } : { kind },
  })
  const samples = (latency: number, rps: number, rss: number | null): TargetSamples => ({
    ...emptySamples(),
    latencyUs: [latency, latency, latency],
    saturationRps: [rps, rps * 2, rps],
    ttfcUs: [latency * 2],
    rss: { idle: rss, load: rss, streams: rss, after: rss },
    heap: { idle: rss === null ? null : rss / 4, after: rss === null ? null : rss / 2 },
  })
  const run: BenchRun = {
    plan: QUICK_PLAN,
    startedAt: new Date(0),
    durationS: 1,
    frontierBaseRps: 100,
    targets: [
      { target: target('direct', 'direct'), samples: samples(100, 4000, null) },
      { target: target('proxy', 'proxy'), samples: samples(300, 2000, 64 * 2 ** 20) },
      { target: target('gw', 'gateway'), samples: samples(400, 1800, 80 * 2 ** 20) },
    ],
  }

  it('adds over the upstream reached directly and divides by the proxy', () => {
    const [direct, proxy, gateway] = deriveFigures(run)
    expect(direct!.figures.addedLatencyMedianUs).toBe(0)
    expect(proxy!.figures.addedLatencyMedianUs).toBe(200)
    expect(gateway!.figures.addedLatencyMedianUs).toBe(300)
    expect(gateway!.ratios.addedLatencyMedianUs).toBe(1.5)
    expect(gateway!.figures.addedTtfcMedianUs).toBe(600)
    expect(gateway!.figures.saturationRps).toBe(1800)
    expect(gateway!.ratios.saturationRps).toBe(0.9)
    expect(gateway!.figures.rssIdleMB).toBe(80)
    expect(gateway!.ratios.rssIdleMB).toBe(1.25)
    expect(direct!.figures.rssIdleMB).toBeNull()
    expect(gateway!.figures.heapIdleMB).toBe(20)
    expect(gateway!.figures.heapAfterMB).toBe(40)
    expect(gateway!.ratios.heapAfterMB).toBe(1.25)
  })
})
