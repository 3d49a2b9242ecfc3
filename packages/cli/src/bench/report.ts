import type { FigureName, TargetFigures } from './figures.ts'
import type { MachineInfo } from './machine.ts'
import type { BenchPlan } from './plan.ts'

interface Column {
  title: string
  figure: FigureName
  unit: 'us' | 'rps' | 'count' | 'mb'
}

const REQUEST_COLUMNS: Column[] = [
  { title: 'added median µs', figure: 'addedLatencyMedianUs', unit: 'us' },
  { title: 'added p99 µs', figure: 'addedLatencyP99Us', unit: 'us' },
  { title: 'saturation req/s', figure: 'saturationRps', unit: 'rps' },
  { title: 'CPU µs/req', figure: 'cpuPerRequestUs', unit: 'us' },
  { title: 'req/s at p99 < 1 ms', figure: 'frontier1msRps', unit: 'rps' },
  { title: 'req/s at p99 < 5 ms', figure: 'frontier5msRps', unit: 'rps' },
]

const STREAM_COLUMNS: Column[] = [
  { title: 'added TTFC µs', figure: 'addedTtfcMedianUs', unit: 'us' },
  { title: 'added chunk gap µs', figure: 'addedGapMedianUs', unit: 'us' },
  { title: 'added gap p99 µs', figure: 'addedGapP99Us', unit: 'us' },
  { title: 'merged chunks', figure: 'mergedEvents', unit: 'count' },
  { title: 'streams held', figure: 'streamsHeld', unit: 'count' },
]

const MEMORY_COLUMNS: Column[] = [
  { title: 'RSS idle MB', figure: 'rssIdleMB', unit: 'mb' },
  { title: 'RSS saturated MB', figure: 'rssLoadMB', unit: 'mb' },
  { title: 'RSS streams MB', figure: 'rssStreamsMB', unit: 'mb' },
  { title: 'RSS after MB', figure: 'rssAfterMB', unit: 'mb' },
  { title: 'heap idle MB', figure: 'heapIdleMB', unit: 'mb' },
  { title: 'heap after MB', figure: 'heapAfterMB', unit: 'mb' },
]

/** The three tables of a run, each cell with its ratio to the pass-through proxy. */
export function formatTables(targets: readonly TargetFigures[], plan: BenchPlan): string {
  const streams =
    'Paced streams (64 chunks, 20 ms apart; held = concurrent streams with no chunk more ' +
    `than 5 ms late, of ${plan.streamLevels.join(', ')})`
  return [
    '### Requests (small chat completion)',
    '',
    table(targets, REQUEST_COLUMNS),
    '',
    `### ${streams}`,
    '',
    table(targets, STREAM_COLUMNS),
    '',
    `### Memory of the gateway process (streams: ${plan.memoryStreams} concurrent, ` +
      'on a fresh heap)',
    '',
    table(targets, MEMORY_COLUMNS),
  ].join('\n')
}

/** A Markdown table with its columns padded to one width, as formatters leave them. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(3, title.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function formatMachine(machine: MachineInfo, plan: BenchPlan, durationS: number): string {
  return [
    `- date: ${machine.date}`,
    `- CPU: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB`,
    `- Node ${machine.node} on ${machine.os}`,
    `- load average at start: ${machine.loadAverage}`,
    `- plan: ${plan.name}, ${plan.rounds} rounds (${plan.heavyRounds} with frontier and ` +
      `stream ladder), ${Math.round(durationS)} s`,
  ].join('\n')
}

function table(targets: readonly TargetFigures[], columns: Column[]): string {
  return markdownTable(
    ['target', ...columns.map((c) => c.title)],
    targets.map((t) => [
      t.label,
      ...columns.map((c) => cell(t.figures[c.figure], t.ratios[c.figure], c.unit, t.id)),
    ]),
  )
}

function cell(value: number | null, ratio: number | null, unit: Column['unit'], id: string) {
  if (value === null || Number.isNaN(value)) return '–'
  const shown = formatValue(value, unit)
  if (id === 'proxy' || id === 'direct' || ratio === null) return shown
  return `${shown} (×${ratio.toFixed(2)})`
}

function formatValue(value: number, unit: Column['unit']): string {
  if (unit === 'mb') return value.toFixed(1)
  return String(Math.round(value))
}
