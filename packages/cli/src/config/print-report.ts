import path from 'node:path'
import type { ConfigProblem, ConfigReport, FilterSummary } from '@iochain/core'

/** The report as a person reads it: the file, the chain in order, then every problem. */
export function formatReport(report: ConfigReport, cwd: string): string {
  const lines: string[] = []
  if (report.file) {
    const format = report.format ? ` (${report.format})` : ''
    lines.push(`Config  ${shortPath(report.file, cwd)}${format}`, '')
  }
  if (report.filters.length > 0) {
    lines.push(report.valid ? 'Filters, in order:' : 'Filters that passed, in order:')
    lines.push(...formatFilters(report.filters), '')
    const pooled = report.filters.filter((f) => f.worker).map((f) => f.name)
    if (pooled.length > 0) lines.push(`In the worker pool: ${pooled.join(', ')}.`, '')
  } else if (report.valid) {
    lines.push('No filters: every request is relayed unchanged.', '')
  }
  if (report.valid) {
    const count = report.filters.length
    lines.push(`✔ Valid: ${count} filter${count === 1 ? '' : 's'}, no problems.`)
    return `${lines.join('\n')}\n`
  }
  const count = report.problems.length
  lines.push(`✖ ${count} problem${count === 1 ? '' : 's'}:`, '')
  for (const problem of byPlace(report.problems)) lines.push(...formatProblem(problem, cwd), '')
  return `${lines.join('\n')}`
}

// --- internal ---

function formatFilters(filters: readonly FilterSummary[]): string[] {
  const rows = filters.map((f) => [
    `${f.index + 1}.`,
    f.name,
    f.spec,
    f.worker ? `${f.kind}, worker pool` : f.kind,
    f.hooks.length > 0 ? f.hooks.join(', ') : 'no hooks',
  ])
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)))
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!)))
        .join('  ')}`,
  )
}

function formatProblem(problem: ConfigProblem, cwd: string): string[] {
  const where: string[] = [problem.path || '(config file)']
  if (problem.flag) where.push(`given by ${problem.flag}`)
  else if (problem.file) {
    const position =
      problem.line === undefined
        ? ''
        : `:${problem.line}${problem.column ? `:${problem.column}` : ''}`
    where.push(`${shortPath(problem.file, cwd)}${position}`)
  }
  return [`  ${where.join('  ')}`, `    ${problem.message}  [${problem.code}]`]
}

// Problems placed in the file read top to bottom; the others keep the order of the steps.
function byPlace(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const rank = (p: ConfigProblem) => p.line ?? Number.POSITIVE_INFINITY
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.column ?? 0) - (b.column ?? 0))
}

function shortPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file)
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}
