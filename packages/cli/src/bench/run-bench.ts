import { setTimeout as sleep } from 'node:timers/promises'
import type { SaturationResult } from './drive-saturation.ts'
import { BenchChild, type ChildOptions } from './ipc.ts'
import {
  type LiveTarget,
  measureHeavy,
  measureLight,
  measureStreamMemory,
} from './measure-target.ts'
import type { BenchPlan } from './plan.ts'
import { emptySamples, type TargetSamples } from './samples.ts'
import type { BenchTarget, TargetInit, TargetReady } from './targets.ts'
import { STREAM_PACE_MS, STREAM_TOKENS } from './workload.ts'

export interface RunBenchOptions {
  plan: BenchPlan
  /** Write a CPU profile of every gateway and proxy process into this folder. */
  profileDir?: string
  /** Progress lines for a person watching; the bench itself never prints. */
  onProgress?: (line: string) => void
}

export interface BenchRun {
  plan: BenchPlan
  startedAt: Date
  durationS: number
  /** The proxy's saturation rate the frontier steps were scaled from. */
  frontierBaseRps: number
  targets: Array<{ target: BenchTarget; samples: TargetSamples }>
}

/**
 * Starts the mock upstream, every target and the load generator, each in its own process, then
 * measures every target in every round, in an order rotated per round.
 */
export async function runBench(
  targets: readonly BenchTarget[],
  options: RunBenchOptions,
): Promise<BenchRun> {
  const { plan } = options
  const startedAt = new Date()
  const progress = (line: string) => {
    const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000)
    options.onProgress?.(`${String(seconds).padStart(4)} s  ${line}`)
  }
  const children: BenchChild[] = []
  const spawn = (entry: string, init: unknown, options?: ChildOptions) => {
    const child = new BenchChild(entry, init, options)
    children.push(child)
    return child
  }

  try {
    // processes
    progress('starting the mock upstream, the targets and the load generator')
    const upstream = spawn('target-process', {
      kind: 'mock',
      chunkDelayMs: STREAM_PACE_MS,
      replyTokens: STREAM_TOKENS,
    } satisfies TargetInit)
    const upstreamOrigin = (await (upstream.ready as Promise<TargetReady>)).origin
    const live = await Promise.all(
      targets.map((target) => startTarget(target, upstreamOrigin, spawn, options.profileDir)),
    )
    const driver = spawn('driver-process', null)
    await driver.ready

    // idle memory: listening, no request served yet
    await sleep(500)
    for (const target of live) {
      target.samples.rss.idle = await readMemory(target, 'rss')
      target.samples.heap.idle = await readMemory(target, 'heap')
    }

    // memory under concurrent streams, one target at a time, before saturation grows any heap
    for (const target of live) {
      progress(`memory under ${plan.memoryStreams} streams: ${target.id}`)
      await measureStreamMemory(driver, target, plan)
    }

    // warm-up, of every target at once: it only has to leave each one equally warm
    progress('warming up')
    await Promise.all(live.map((target) => warmUp(driver, target, plan)))

    // frontier scale: the proxy's own saturation rate
    const proxy = live.find((t) => t.id === 'proxy') ?? live[0]!
    const calibration = await driver.call<SaturationResult>('saturation', {
      origin: proxy.origin,
      ...plan.saturation,
    })

    // rounds
    for (let round = 0; round < plan.rounds; round++) {
      for (const target of rotate(live, round)) {
        progress(`round ${round + 1}/${plan.rounds}: ${target.id}`)
        await measureLight(driver, target, plan)
        if (round < plan.heavyRounds) {
          await measureHeavy(driver, target, plan, calibration.rps)
        }
      }
    }

    // memory after the load, once the load generator has closed its connections
    await driver.call('closePools', null)
    await sleep(plan.settleMs)
    for (const target of live) {
      target.samples.rss.after = await readMemory(target, 'rss')
      target.samples.heap.after = await readMemory(target, 'heap')
    }

    return {
      plan,
      startedAt,
      durationS: (Date.now() - startedAt.getTime()) / 1000,
      frontierBaseRps: calibration.rps,
      targets: live.map((t, i) => ({ target: targets[i]!, samples: t.samples })),
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()))
  }
}

async function warmUp(driver: BenchChild, target: LiveTarget, plan: BenchPlan): Promise<void> {
  const { origin } = target
  await driver.call('sequential', { origin, count: 0, warmup: plan.warmupRequests })
  await driver.call('saturation', {
    origin,
    connections: plan.saturation.connections,
    durationS: plan.warmupSaturationS,
  })
  // As many streams as the paced measurement opens at once, so it finds its connections open.
  await driver.call('streams', {
    origin,
    count: plan.pacedStreams.count,
    staggerMs: 0,
    keepSamples: false,
  })
}

async function startTarget(
  target: BenchTarget,
  upstreamOrigin: string,
  spawn: (entry: string, init: unknown, options?: ChildOptions) => BenchChild,
  profileDir: string | undefined,
): Promise<LiveTarget> {
  const samples = emptySamples()
  const { spec } = target
  if (spec.kind === 'direct') {
    return { id: target.id, origin: upstreamOrigin, process: undefined, samples }
  }
  const init: TargetInit =
    spec.kind === 'proxy'
      ? { kind: 'proxy', upstream: upstreamOrigin }
      : {
          kind: 'gateway',
          upstream: `${upstreamOrigin}/v1`,
          filters: spec.filters ?? [],
          config: spec.config,
          baseDir: spec.baseDir ?? process.cwd(),
        }
  // gc() lets the heap figures count live objects only, not garbage not yet collected.
  const execArgv = ['--expose-gc']
  if (profileDir) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`)
    execArgv.push(`--cpu-prof-name=${target.id}.cpuprofile`)
  }
  const env = spec.kind === 'gateway' ? spec.env : undefined
  const child = spawn('target-process', init, { execArgv, env, quiet: true })
  const ready = await (child.ready as Promise<TargetReady>).catch((err: Error) => {
    throw new Error(`target \`${target.id}\` did not start: ${err.message}`, { cause: err })
  })
  return { id: target.id, origin: ready.origin, process: child, samples }
}

function readMemory(target: LiveTarget, what: 'rss' | 'heap'): Promise<number | null> {
  return target.process ? target.process.call<number>(what) : Promise.resolve(null)
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}
