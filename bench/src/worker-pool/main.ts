import { type ChildProcess, fork } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startMockModel } from '@iochain/core/mock'
import { calibratedScan, inScanRange, PROMPT_BYTES, SCAN_RANGE_MS } from './calibrate.ts'
import type { GatewayReady, GatewayReport, LoadPlan, LoadReport, Way } from './protocol.ts'

// The worker-pool scenario: one CPU-heavy PII filter run not at all, inline on the event loop,
// and in the worker pool, under the same fixed request rate against the mock upstream.

const here = fileURLToPath(import.meta.url)
const sibling = (name: string) => path.join(path.dirname(here), `${name}${path.extname(here)}`)
const WAYS: Way[] = ['none', 'inline', 'worker']

export interface WayResult {
  way: Way
  filters: string[]
  load: LoadReport
  eventLoop: GatewayReport['eventLoop']
  stats: GatewayReport['stats']
}

export interface WorkerPoolBenchOptions {
  rate?: number
  streamRate?: number
  durationS?: number
  warmupS?: number
  /** Prompt size, 64,000 bytes unless given. */
  promptBytes?: number
  /** Scan passes per request; unless given, as many as make the scan cost 5-10 ms. */
  passes?: number
  connections?: number
  /** Times each way runs; the summary takes the median of each figure. */
  rounds?: number
  resultsDir?: string
  log?: (line: string) => void
}

/** Runs the three ways one after another, prints the table and saves the JSON. */
export async function runWorkerPoolBench(options: WorkerPoolBenchOptions = {}) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const bytes = options.promptBytes ?? PROMPT_BYTES
  const { prompt, passes, scanMs } = calibratedScan(bytes, options.passes)
  const scan = `PII scan of a ${prompt.length}-byte prompt, ${passes} pass(es)`
  log(`worker-pool: ${scan} costs ${scanMs.toFixed(2)} ms here`)
  if (!inScanRange(scanMs)) {
    log(`worker-pool: that is outside the ${SCAN_RANGE_MS.min}-${SCAN_RANGE_MS.max} ms aimed at`)
  }
  const mock = await startMockModel({ chunkDelayMs: 5 })
  const base = {
    prompt,
    rate: options.rate ?? 50,
    streamRate: options.streamRate ?? 5,
    connections: options.connections ?? 32,
  }
  const results: WayResult[] = []
  try {
    // Rounds interleave the ways, so that a shared machine's drift hits each way alike.
    for (let round = 1; round <= (options.rounds ?? 1); round++) {
      for (const way of WAYS) {
        log(`worker-pool: round ${round}, ${way} ...`)
        results.push(await runWay(way, mock.url.replace(/\/v1$/, ''), base, passes, options))
      }
    }
  } finally {
    await mock.close()
  }
  const summary = summarize(results)
  const note =
    `${scan}: ${scanMs.toFixed(2)} ms on this machine; ` +
    `${base.rate} requests/s and ${base.streamRate} streams/s; medians of ` +
    `${options.rounds ?? 1} round(s).`
  const markdown = [note, '', ...formatTable(summary), '', ...formatGoals(summary)].join('\n')
  for (const line of markdown.split('\n')) log(line)
  const { prompt: _prompt, ...load } = base
  const data = { scanMs, promptBytes: prompt.length, passes, load, results, summary }
  const file = saveResults(options.resultsDir, data)
  log(`worker-pool: results saved to ${file}`)
  return { summary, markdown, data }
}

async function runWay(
  way: Way,
  upstream: string,
  base: Omit<LoadPlan, 'url' | 'durationS'>,
  passes: number,
  options: WorkerPoolBenchOptions,
): Promise<WayResult> {
  const args = [way, `${upstream}/v1`, String(passes)]
  const gateway = fork(sibling('gateway-process'), args, { stdio: 'inherit' })
  try {
    const ready = await next<GatewayReady>(gateway, 'ready')
    const plan = { ...base, url: ready.url }
    // Warm up: JIT, the pool's threads, keep-alive connections.
    await runLoad({ ...plan, durationS: options.warmupS ?? 3 })
    gateway.send({ kind: 'measure' })
    const load = await runLoad({ ...plan, durationS: options.durationS ?? 15 })
    gateway.send({ kind: 'report' })
    const report = await next<GatewayReport>(gateway, 'report')
    return { way, filters: ready.filters, load, eventLoop: report.eventLoop, stats: report.stats }
  } finally {
    gateway.send({ kind: 'close' })
    await new Promise((resolve) => gateway.once('exit', resolve))
  }
}

async function runLoad(plan: LoadPlan): Promise<LoadReport> {
  const loader = fork(sibling('load-process'), [], { stdio: 'inherit' })
  loader.send(plan)
  const report = await next<LoadReport>(loader, 'load')
  await new Promise((resolve) => loader.once('exit', resolve))
  return report
}

function next<T extends { kind: string }>(child: ChildProcess, kind: T['kind']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.kind !== kind) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code: number | null) =>
      reject(new Error(`child exited (${code}) before '${kind}'`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

export interface WaySummary {
  way: Way
  perSecond: number
  p50Ms: number
  p99Ms: number
  ttftP50Ms: number
  ttftP99Ms: number
  loopP99Ms: number
  errors: number
  /** p99 latency over the no-filter run's. */
  p99Ratio: number
  ttftP99Ratio: number
}

function summarize(results: WayResult[]): WaySummary[] {
  const rows = WAYS.map((way) => {
    const runs = results.filter((r) => r.way === way)
    const median = (pick: (r: WayResult) => number) => round(medianOf(runs.map(pick)))
    return {
      way,
      perSecond: median((r) => r.load.requests.perSecond),
      p50Ms: median((r) => r.load.latencyMs.p50),
      p99Ms: median((r) => r.load.latencyMs.p99),
      ttftP50Ms: median((r) => r.load.streams.ttftMs.p50),
      ttftP99Ms: median((r) => r.load.streams.ttftMs.p99),
      loopP99Ms: median((r) => r.eventLoop.p99Ms),
      errors: runs.reduce(
        (sum, r) => sum + r.load.requests.errors + r.load.requests.non2xx + r.load.streams.failed,
        0,
      ),
    }
  })
  const none = rows[0]!
  return rows.map((row) => ({
    ...row,
    p99Ratio: round(row.p99Ms / none.p99Ms),
    ttftP99Ratio: round(row.ttftP99Ms / none.ttftP99Ms),
  }))
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function formatTable(rows: WaySummary[]): string[] {
  const header = [
    'way',
    'req/s',
    'p50 ms',
    'p99 ms',
    'p99 ×none',
    'TTFT p50',
    'TTFT p99',
    'TTFT p99 ×none',
    'loop p99 ms',
    'errors',
  ]
  const lines = rows.map((r) => [
    r.way,
    r.perSecond,
    r.p50Ms,
    r.p99Ms,
    r.p99Ratio,
    r.ttftP50Ms,
    r.ttftP99Ms,
    r.ttftP99Ratio,
    r.loopP99Ms,
    r.errors,
  ])
  const rule = header.map(() => '---')
  return [header, rule, ...lines].map((cells) => `| ${cells.join(' | ')} |`)
}

// The goals the pool is meant to meet; a shared, busy machine may miss them for its own reasons.
function formatGoals(rows: WaySummary[]): string[] {
  const worker = rows.find((r) => r.way === 'worker')!
  const inline = rows.find((r) => r.way === 'inline')!
  const mark = (ok: boolean) => (ok ? 'met' : 'missed')
  return [
    `goal: worker p99 within 1.2x of none: ${worker.p99Ratio}x, ${mark(worker.p99Ratio <= 1.2)}`,
    `goal: worker event-loop delay p99 under 10 ms: ${worker.loopP99Ms} ms, ` +
      mark(worker.loopP99Ms < 10),
    `inline for contrast: p99 ${inline.p99Ratio}x none, event-loop delay p99 ${inline.loopP99Ms} ms`,
  ]
}

function saveResults(dir: string | undefined, data: object): string {
  const folder = dir ?? path.resolve(path.dirname(here), '../../results')
  mkdirSync(folder, { recursive: true })
  const file = path.join(folder, 'worker-pool.json')
  const machine = { cpus: availableParallelism(), model: cpus()[0]?.model, loadavg: loadavg() }
  const record = {
    scenario: 'worker-pool',
    at: new Date().toISOString(),
    node: process.version,
    machine,
    ...data,
  }
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`)
  return file
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

// Run by itself: `node bench/src/worker-pool/main.ts [--rate 50] [--duration 15]`.
if (process.argv[1] === here) {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      'stream-rate': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'prompt-bytes': { type: 'string' },
      passes: { type: 'string' },
      rounds: { type: 'string' },
    },
  })
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  await runWorkerPoolBench({
    rate: num(values.rate),
    streamRate: num(values['stream-rate']),
    durationS: num(values.duration),
    warmupS: num(values.warmup),
    promptBytes: num(values['prompt-bytes']),
    passes: num(values.passes),
    rounds: num(values.rounds),
  })
}
