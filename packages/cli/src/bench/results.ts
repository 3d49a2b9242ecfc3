import { rename, writeFile } from 'node:fs/promises'
import { deriveFigures, type TargetFigures } from './figures.ts'
import type { MachineInfo } from './machine.ts'
import type { BenchPlan } from './plan.ts'
import { formatMachine, formatTables } from './report.ts'
import type { BenchRun } from './run-bench.ts'

/** What a results file holds: where, how, and every figure with its ratio to the proxy. */
export interface BenchResults {
  machine: MachineInfo
  plan: BenchPlan
  durationS: number
  frontierBaseRps: number
  targets: TargetFigures[]
  /** Worst chunk lateness per target and concurrent stream count, ms, per round. */
  worstLateMs: Record<string, Record<number, number[]>>
}

export function toResults(run: BenchRun, machine: MachineInfo): BenchResults {
  return {
    machine,
    plan: run.plan,
    durationS: run.durationS,
    frontierBaseRps: run.frontierBaseRps,
    targets: deriveFigures(run),
    worstLateMs: Object.fromEntries(
      run.targets.map(({ target, samples }) => [target.id, samples.worstLateMs]),
    ),
  }
}

/** The run as Markdown: machine, plan, then the tables. */
export function resultsMarkdown(results: BenchResults): string {
  return [
    formatMachine(results.machine, results.plan, results.durationS),
    '',
    'Added figures are over the upstream reached directly; `(×r)` is the ratio to the ' +
      'pass-through proxy.',
    '',
    formatTables(results.targets, results.plan),
    '',
  ].join('\n')
}

/** Writes through a temporary file and a rename, so no reader ever sees half a file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, text)
  await rename(temporary, path)
}
