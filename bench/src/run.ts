import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  describeMachine,
  FULL_PLAN,
  markdownTable,
  QUICK_PLAN,
  resultsMarkdown,
  runBench,
  toResults,
  writeFileAtomic,
} from '@iochain/cli/bench'
import { checkGoals, goalsTable } from './goals.ts'
import { type DispatchCost, measureDispatch } from './micro.ts'
import { SCENARIOS } from './scenarios.ts'
import { STANDARD_TARGETS } from './targets.ts'

const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url))

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
})
const quick = args.quick === true
const plan = quick ? QUICK_PLAN : FULL_PLAN
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`)

// overhead comparison
const machine = describeMachine()
await mkdir(RESULTS_DIR, { recursive: true })
const run = await runBench(STANDARD_TARGETS, {
  plan,
  profileDir: args['cpu-prof'] ? join(RESULTS_DIR, 'profiles') : undefined,
  onProgress: progress,
})
const results = toResults(run, machine)

// chain dispatch
progress('micro-benchmark of the chain dispatch')
const dispatch = await measureDispatch(quick)

// further scenarios
const sections: Array<{ name: string; markdown: string; data: unknown }> = []
for (const scenario of SCENARIOS) {
  progress(`scenario ${scenario.name}`)
  sections.push({ name: scenario.name, ...(await scenario.run({ quick, onProgress: progress })) })
}

// report
const goals = checkGoals(results.targets, dispatch)
const markdown = [
  `# IOChain overhead (${plan.name} run)`,
  '',
  resultsMarkdown(results),
  '### Chain dispatch (no-op blocking filters, one call, median)',
  '',
  dispatchTable(dispatch),
  '',
  ...sections.flatMap((s) => [`### ${s.name}`, '', s.markdown, '']),
  '### Goals',
  '',
  goalsTable(goals),
  '',
].join('\n')
const base = join(RESULTS_DIR, plan.name)
await writeFileAtomic(`${base}.md`, markdown)
const json = { ...results, dispatch, goals, scenarios: sections }
await writeFileAtomic(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`)
process.stdout.write(`${markdown}\n`)
progress(`wrote ${base}.md and ${base}.json`)

function dispatchTable(costs: DispatchCost[]): string {
  return markdownTable(
    ['filters', 'onRequest ns', 'onResponse ns'],
    costs.map((c) => [
      String(c.filters),
      String(Math.round(c.requestNs)),
      String(Math.round(c.responseNs)),
    ]),
  )
}
