import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeError, importModule, resolvePackage } from '@iochain/core'
import type { Command } from 'commander'
import { describeExports, type FilterInfo } from '../discovery/describe-exports.ts'
import { findFilterPackages } from '../discovery/find-packages.ts'
import type { CliIO } from '../io.ts'

// The CLI's own folder: the built-in filters it depends on count as installed.
const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))

interface ListOptions {
  json?: boolean
  dir?: string
}

interface PackageReport {
  name: string
  version: string
  filters: FilterInfo[]
  /** Why the package could not be loaded, when it could not. */
  error?: string
}

export function registerFilters(program: Command, io: CliIO): void {
  const filters = program.command('filters').description('Work with installed filter packages.')
  filters
    .command('list')
    .description(
      'List the filters of installed packages with the `iochain-filter` keyword ' +
        'and of @iochain/filters-builtin.',
    )
    .option('--json', 'print JSON for scripts')
    .option('--dir <path>', 'the project to look in; the current folder unless given')
    .action((options: ListOptions) => listFilters(options, io))
}

async function listFilters(options: ListOptions, io: CliIO): Promise<void> {
  const cwd = path.resolve(options.dir ?? '.')
  const reports: PackageReport[] = []
  for (const pkg of await findFilterPackages([cwd, CLI_DIR])) {
    const report: PackageReport = { name: pkg.name, version: pkg.version, filters: [] }
    try {
      const file =
        (await resolvePackage(pkg.name, cwd)) ?? (await resolvePackage(pkg.name, CLI_DIR))
      if (!file) throw new Error('its entry point cannot be resolved')
      report.filters = describeExports(pkg.name, await importModule(file), pkg.description)
    } catch (err) {
      report.error = describeError(err)
    }
    reports.push(report)
  }
  io.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : formatReports(reports))
}

function formatReports(reports: PackageReport[]): string {
  const lines: string[] = []
  for (const report of reports) {
    lines.push(`${report.name}@${report.version}`)
    if (report.error) lines.push(`  cannot be loaded: ${report.error}`)
    else if (report.filters.length === 0) lines.push('  no filter exports found')
    for (const f of report.filters) {
      const mode = `${f.mode ? `, ${f.mode}` : ''}${f.worker ? ', worker' : ''}`
      const hooks = f.hooks.length > 0 ? `; ${f.hooks.join(', ')}` : ''
      lines.push(`  ${f.spec}  (${f.kind}${mode}${hooks})`)
      if (f.description) lines.push(`    ${f.description}`)
      for (const o of f.options) {
        const about = o.description ? `  ${o.description}` : ''
        lines.push(`    option ${o.name}: ${o.type}${about}`)
      }
    }
    lines.push('')
  }
  if (reports.length === 0) lines.push('No filter packages installed.', '')
  return lines.join('\n')
}
