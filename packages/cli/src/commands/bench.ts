import { basename, resolve } from 'node:path'
import type { Command } from 'commander'
import {
  BASELINE_TARGETS,
  type BenchTarget,
  describeMachine,
  FULL_PLAN,
  QUICK_PLAN,
  resultsMarkdown,
  runBench,
  toResults,
  writeFileAtomic,
} from '../bench/index.ts'
import { CliError, type CliIO } from '../io.ts'
import { parseList } from '../parse-options.ts'

interface BenchOptions {
  config?: string
  filters: string[]
  quick?: boolean
  json?: string
  markdown?: string
  cpuProf?: string
}

export function registerBench(program: Command, io: CliIO): void {
  program
    .command('bench')
    .description(
      'Measure what the gateway adds over a bare pass-through proxy, with no filters and with ' +
        'your chain, in front of a paced mock model.',
    )
    .option('-c, --config <file>', 'your chain: a config file (its upstream is not used)')
    .option(
      '-f, --filters <specs>',
      "your chain: filter specs, comma-separated; replace the config's list",
      parseList,
      [],
    )
    .option('--quick', 'a smoke run of about a minute instead of several')
    .option('--json <file>', 'also write the figures as JSON to this file')
    .option('--markdown <file>', 'also write the tables as Markdown to this file')
    .option('--cpu-prof <dir>', 'write a CPU profile of each gateway process into this folder')
    .action((options: BenchOptions) => bench(options, io))
}

async function bench(options: BenchOptions, io: CliIO): Promise<void> {
  const targets: BenchTarget[] = [
    ...BASELINE_TARGETS,
    { id: 'iochain', label: 'IOChain, no filters', spec: { kind: 'gateway', filters: [] } },
  ]
  if (options.config || options.filters.length > 0) {
    targets.push({
      id: 'chain',
      label: options.config
        ? `IOChain, ${basename(options.config)}`
        : `IOChain, ${options.filters.length} filter(s) given`,
      spec: {
        kind: 'gateway',
        filters: options.filters,
        config: options.config,
        baseDir: process.cwd(),
      },
    })
  }
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN
  const machine = describeMachine()
  const run = await runBench(targets, {
    plan,
    profileDir: options.cpuProf ? resolve(options.cpuProf) : undefined,
    onProgress: (line) => io.stderr.write(`iochain bench: ${line}\n`),
  }).catch((err: Error) => {
    throw new CliError(err.message)
  })
  const results = toResults(run, machine)
  const markdown = resultsMarkdown(results)
  io.stdout.write(`${markdown}\n`)
  if (options.json) await writeFileAtomic(options.json, `${JSON.stringify(results, null, 2)}\n`)
  if (options.markdown) await writeFileAtomic(options.markdown, markdown)
}
