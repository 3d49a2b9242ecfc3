import type { PacedResult } from './drive-requests.ts'
import type { SaturationResult } from './drive-saturation.ts'
import type { StreamsResult } from './drive-streams.ts'
import type { BenchChild } from './ipc.ts'
import { type BenchPlan, LATE_CHUNK_LIMIT_MS } from './plan.ts'
import type { TargetSamples } from './samples.ts'

/** A target while the bench runs: where to reach it and, unless it is the upstream, its process. */
export interface LiveTarget {
  id: string
  origin: string
  process: BenchChild | undefined
  samples: TargetSamples
}

/** The light measurements of one round: one request at a time, saturation, paced streams. */
export async function measureLight(
  driver: BenchChild,
  target: LiveTarget,
  plan: BenchPlan,
): Promise<void> {
  const { origin, samples } = target
  const latencies = await driver.call<number[]>('sequential', {
    origin,
    count: plan.sequentialRequests,
    warmup: 20,
  })
  samples.latencyUs.push(...latencies)

  const cpuBefore = await readCpu(target)
  const { result: saturation, peak } = await withPeakRss(target, () =>
    driver.call<SaturationResult>('saturation', { origin, ...plan.saturation }),
  )
  const cpuAfter = await readCpu(target)
  if (cpuBefore !== null && cpuAfter !== null && saturation.completed > 0) {
    samples.cpuPerRequestUs.push((cpuAfter - cpuBefore) / saturation.completed)
  }
  samples.saturationRps.push(saturation.rps)
  samples.saturationErrors += saturation.errors
  samples.rss.load = maxOf(samples.rss.load, peak)

  const streams = await driver.call<StreamsResult>('streams', {
    origin,
    ...plan.pacedStreams,
    keepSamples: true,
  })
  samples.ttfcUs.push(...streams.ttfcUs)
  samples.gapsUs.push(...streams.gapsUs)
  samples.mergedEvents += streams.merged
  samples.failedStreams += streams.failed
}

/** The heavy measurements: the throughput frontier and the concurrent stream ladder. */
export async function measureHeavy(
  driver: BenchChild,
  target: LiveTarget,
  plan: BenchPlan,
  baseRps: number,
): Promise<void> {
  const { origin, samples } = target
  let under1 = 0
  let under5 = 0
  for (const fraction of plan.frontier.fractions) {
    const rate = Math.max(1, Math.round(baseRps * fraction))
    const step = await driver.call<PacedResult>('paced', {
      origin,
      rate,
      durationMs: plan.frontier.stepMs,
    })
    const clean = step.errors === 0
    if (clean && step.p99Us < 1_000) under1 = rate
    if (!clean || step.p99Us >= 5_000) break
    under5 = rate
  }
  samples.frontier1msRps.push(under1)
  samples.frontier5msRps.push(under5)

  let held = 0
  let holding = true
  for (const level of plan.streamLevels) {
    // Every target is tried up to the memory level, so their lateness compares level by level.
    if (!holding && level > plan.memoryStreams) break
    const result = await concurrentStreams(driver, origin, level)
    samples.worstLateMs[level] = [...(samples.worstLateMs[level] ?? []), result.worstLateMs]
    const ok = result.failed === 0 && result.merged === 0
    if (holding && ok && result.worstLateMs <= LATE_CHUNK_LIMIT_MS) held = level
    else holding = false
  }
  samples.streamsHeld.push(held)
}

/**
 * Peak memory under `plan.memoryStreams` concurrent paced streams, run before any saturation:
 * V8 keeps the heap that saturation grew, which would otherwise be read as the streams' cost.
 */
export async function measureStreamMemory(
  driver: BenchChild,
  target: LiveTarget,
  plan: BenchPlan,
): Promise<void> {
  const { result, peak } = await withPeakRss(target, () =>
    concurrentStreams(driver, target.origin, plan.memoryStreams),
  )
  target.samples.failedStreams += result.failed
  target.samples.rss.streams = peak
}

// `count` paced streams at once, spread over one pace interval so that their chunks do not all
// coincide.
function concurrentStreams(
  driver: BenchChild,
  origin: string,
  count: number,
): Promise<StreamsResult> {
  return driver.call<StreamsResult>('streams', {
    origin,
    count,
    staggerMs: 20 / count,
    keepSamples: false,
  })
}

/** Runs `work` while reading the target's memory every 200 ms; the peak is kept. */
export async function withPeakRss<T>(
  target: LiveTarget,
  work: () => Promise<T>,
): Promise<{ result: T; peak: number | null }> {
  const child = target.process
  if (!child) return { result: await work(), peak: null }
  let peak = 0
  const read = () =>
    child.call<number>('rss').then(
      (rss) => {
        peak = Math.max(peak, rss)
      },
      () => {},
    )
  const timer = setInterval(read, 200)
  try {
    const result = await work()
    await read()
    return { result, peak }
  } finally {
    clearInterval(timer)
  }
}

// CPU time is what a busy, shared machine distorts least: it does not count time spent waiting.
function readCpu(target: LiveTarget): Promise<number | null> {
  return target.process ? target.process.call<number>('cpu') : Promise.resolve(null)
}

function maxOf(current: number | null, value: number | null): number | null {
  if (value === null) return current
  return current === null ? value : Math.max(current, value)
}
