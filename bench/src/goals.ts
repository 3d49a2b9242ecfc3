import type { FigureName, Figures, TargetFigures } from '@iochain/cli/bench'
import { markdownTable } from '@iochain/cli/bench'
import type { DispatchCost } from './micro.ts'

export interface GoalCheck {
  goal: string
  measured: string
  met: boolean | null
}

const IOCHAIN_TARGETS = ['iochain-0', 'iochain-1', 'iochain-10', 'iochain-10bg']

/** The project's performance goals, each checked against this run's figures. */
export function checkGoals(targets: TargetFigures[], dispatch: DispatchCost[]): GoalCheck[] {
  const byId = new Map(targets.map((t) => [t.id, t]))
  const ratioOf = (id: string, name: keyof TargetFigures['ratios']) =>
    byId.get(id)?.ratios[name] ?? null
  const proxy = byId.get('proxy')?.figures
  const checks: GoalCheck[] = []
  const atMost = (value: number | null, limit: number) => (value === null ? null : value <= limit)
  const atLeast = (value: number | null, limit: number) => (value === null ? null : value >= limit)

  const added = ratioOf('iochain-0', 'addedLatencyMedianUs')
  checks.push({
    goal: 'no filters: added median latency ≤ 1.2× the proxy’s',
    measured: times(added),
    met: atMost(added, 1.2),
  })
  const saturation0 = ratioOf('iochain-0', 'saturationRps')
  checks.push({
    goal: 'no filters: saturation throughput ≥ 0.9× the proxy’s',
    measured: times(saturation0),
    met: atLeast(saturation0, 0.9),
  })
  const saturation10 = ratioOf('iochain-10', 'saturationRps')
  checks.push({
    goal: '10 no-op filters: saturation throughput ≥ 0.85× the proxy’s',
    measured: times(saturation10),
    met: atLeast(saturation10, 0.85),
  })

  for (const [name, label] of [
    ['addedTtfcMedianUs', 'time to first chunk'],
    ['addedGapMedianUs', 'gap between chunks'],
  ] as const) {
    const excess = IOCHAIN_TARGETS.map((id) => {
      const value = byId.get(id)?.figures[name]
      return value == null || proxy?.[name] == null ? null : value - proxy[name]
    })
    const worst = excess.some((v) => v === null) ? null : Math.max(...(excess as number[]))
    checks.push({
      goal: `streams: added ${label} within 0.2 ms of the proxy’s (median, every chain)`,
      measured: worst === null ? '–' : `worst ${signed(worst)} µs`,
      met: atMost(worst, 200),
    })
  }
  // On a loaded machine the load generator itself reads late and merges chunks; the upstream
  // reached directly shows how many of the merges are its own.
  const merged = Math.max(...IOCHAIN_TARGETS.map((id) => byId.get(id)?.figures.mergedEvents ?? 0))
  const ownMerges = byId.get('direct')?.figures.mergedEvents ?? 0
  checks.push({
    goal: 'streams: no chunk held back (merged chunks no more than reaching the upstream directly)',
    measured: `${merged} merged at most (directly: ${ownMerges})`,
    met: merged <= ownMerges,
  })

  const zero = dispatch.find((d) => d.filters === 0)
  const ten = dispatch.find((d) => d.filters === 10)
  const perHook =
    zero && ten
      ? Math.max(ten.requestNs - zero.requestNs, ten.responseNs - zero.responseNs) / 10
      : null
  checks.push({
    goal: 'chain dispatch: < 1 µs per no-op hook',
    measured: perHook === null ? '–' : `${Math.round(perHook)} ns`,
    met: atMost(perHook, 1_000),
  })

  const peak = worst(IOCHAIN_TARGETS.map((id) => byId.get(id)?.figures.rssStreamsMB ?? null))
  checks.push({
    goal: 'memory: RSS < 100 MB with 200 concurrent streams (every chain)',
    measured:
      peak === null ? '–' : `${peak.toFixed(1)} MB at most (proxy: ${mb(proxy?.rssStreamsMB)})`,
    met: atMost(peak, 100),
  })
  const growthOf = (f: Figures | undefined, after: FigureName, idle: FigureName) =>
    f?.[after] == null || f[idle] == null ? null : f[after] / f[idle]
  const worstGrowth = (after: FigureName, idle: FigureName) =>
    worst(IOCHAIN_TARGETS.map((id) => growthOf(byId.get(id)?.figures, after, idle)))
  const rssGrowth = worstGrowth('rssAfterMB', 'rssIdleMB')
  checks.push({
    goal: 'memory: back near idle after the load (≤ 1.25× idle RSS)',
    measured: `${times(rssGrowth)} (proxy: ${times(growthOf(proxy, 'rssAfterMB', 'rssIdleMB'))})`,
    met: atMost(rssGrowth, 1.25),
  })
  // RSS keeps the heap's high-water mark; the heap in use is what a leak would leave behind.
  const heapGrowth = worstGrowth('heapAfterMB', 'heapIdleMB')
  const proxyHeapGrowth = growthOf(proxy, 'heapAfterMB', 'heapIdleMB')
  checks.push({
    goal: 'memory: heap in use back near idle after the load (≤ 1.25× idle heap)',
    measured: `${times(heapGrowth)} (proxy: ${times(proxyHeapGrowth)})`,
    met: atMost(heapGrowth, 1.25),
  })
  return checks
}

export function goalsTable(checks: GoalCheck[]): string {
  return markdownTable(
    ['goal', 'measured', 'met'],
    checks.map((c) => [c.goal, c.measured, c.met === null ? '–' : c.met ? 'yes' : 'no']),
  )
}

// The largest value, or `null` when any is missing.
function worst(values: Array<number | null>): number | null {
  return values.some((v) => v === null) ? null : Math.max(...(values as number[]))
}

function signed(value: number): string {
  const rounded = Math.round(value)
  return rounded < 0 ? `−${-rounded}` : `+${rounded}`
}

function mb(value: number | null | undefined): string {
  return value == null ? '–' : `${value.toFixed(1)} MB`
}

function times(value: number | null): string {
  return value === null ? '–' : `×${value.toFixed(2)}`
}
