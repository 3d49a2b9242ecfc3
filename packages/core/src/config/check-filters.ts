import { describeError, ErrorCodes, isIOChainError } from '../errors.ts'
import type { ResolvedFilter } from '../filter.ts'
import {
  constructFilter,
  type FilterExport,
  resolveFilterExport,
  wantsWorker,
} from '../loader/load-filter.ts'
import { resolveFilter } from '../loader/resolve-filters.ts'
import type { Logger } from '../logger.ts'
import { createSilentLogger } from '../logger.ts'
import { FilterPool, type WorkerPoolOptions } from '../worker/pool.ts'
import { loadWorkerFilter } from '../worker/proxy.ts'
import { checkOptions } from './check-options.ts'
import type { ConfigPath, ValidationStep } from './problem.ts'
import type { ProblemList } from './problems.ts'
import type { FilterConfig } from './schema.ts'

/** A filter entry in object form, with the folder its spec resolves against. */
export interface NormalizedEntry {
  index: number
  use: string
  options?: unknown
  name?: string
  blocking?: boolean
  worker?: boolean
  timeoutMs?: number
  failMode?: 'open' | 'closed'
  strict?: boolean
  credentials?: boolean
  match?: ResolvedFilter['match']
  baseDir: string
  /** The path to the spec in the config: `filters[1]` or `filters[1].use`. */
  specPath: ConfigPath
}

/** A filter that passed every step, with the entry it came from. */
export interface CheckedFilter extends ResolvedFilter {
  entry: NormalizedEntry
}

export interface CheckFiltersOptions {
  problems: ProblemList
  logger?: Logger
  fallbackDirs: string[]
  /** How to size the pool started for worker filters, if any. */
  workerPool?: Omit<WorkerPoolOptions, 'logger'>
  onStep?: (step: ValidationStep) => void
}

export function normalizeEntries(
  filters: readonly FilterConfig[],
  baseDir: string,
): NormalizedEntry[] {
  return filters.map((raw, index) => {
    if (typeof raw === 'string') {
      return { index, use: raw, baseDir, specPath: ['filters', index] }
    }
    return { ...raw, index, baseDir, specPath: ['filters', index, 'use'] }
  })
}

/**
 * Resolves every entry, checks its options, and constructs it: in this thread, or for a worker
 * filter in a thread of the worker pool, exactly as the chain will run it. Returns the filters
 * that passed, in configured order; the worker ones share one pool, which the chain then owns.
 */
export async function checkFilters(
  entries: readonly NormalizedEntry[],
  options: CheckFiltersOptions,
): Promise<CheckedFilter[]> {
  options.onStep?.('resolve')
  const sources = new Map<NormalizedEntry, FilterExport>()
  for (const entry of entries) {
    const source = await resolveEntry(entry, options)
    if (source) sources.set(entry, source)
  }

  options.onStep?.('construct')
  const loaded: CheckedFilter[] = []
  const forWorkers: Array<[NormalizedEntry, FilterExport]> = []
  for (const [entry, source] of sources) {
    const optionsPath: ConfigPath = ['filters', entry.index, 'options']
    if (!checkOptions(source, entry.options, optionsPath, options.problems)) continue
    const worker = runsInWorker(entry, source, options)
    if (worker === undefined) continue
    if (worker) forWorkers.push([entry, source])
    else {
      const filter = await constructOnMain(entry, source, options)
      if (filter) loaded.push(filter)
    }
  }

  let pool: FilterPool | undefined
  if (forWorkers.length > 0) {
    options.onStep?.('worker')
    pool = new FilterPool({ ...options.workerPool, logger: options.logger })
    loaded.push(...(await constructInWorkers(forWorkers, pool, options)))
  }
  loaded.sort((a, b) => a.entry.index - b.entry.index)
  const kept = await dropNameTwins(loaded, options)
  // A pool none of the kept filters uses has no owner left to close it.
  if (pool && !kept.some((f) => f.worker?.pool === pool)) await pool.close({ deadlineMs: 0 })
  return kept
}

/** Closes each filter and the worker pool they use, ignoring failures: a check's clean-up. */
export async function closeFilters(filters: readonly ResolvedFilter[]): Promise<void> {
  for (const { filter } of filters) await closeQuietly(filter)
  const pools = new Set(filters.flatMap((f) => (f.worker ? [f.worker.pool] : [])))
  for (const pool of pools) await pool.close({ deadlineMs: 0 })
}

// --- internal ---

async function resolveEntry(
  entry: NormalizedEntry,
  options: CheckFiltersOptions,
): Promise<FilterExport | undefined> {
  try {
    return await resolveFilterExport(entry.use, entry.baseDir, options.fallbackDirs)
  } catch (err) {
    options.problems.add({
      code: isIOChainError(err) ? err.code : ErrorCodes.IOC_ERR_SPEC_IMPORT,
      step: 'resolve',
      path: entry.specPath,
      message: describeError(err),
    })
    return undefined
  }
}

// The entry's `worker`, else the filter's own `static worker`; undefined when that is malformed.
function runsInWorker(
  entry: NormalizedEntry,
  source: FilterExport,
  options: CheckFiltersOptions,
): boolean | undefined {
  try {
    return entry.worker ?? wantsWorker(source)
  } catch (err) {
    options.problems.add({
      code: isIOChainError(err) ? err.code : ErrorCodes.IOC_ERR_SPEC_NOT_A_FILTER,
      step: 'construct',
      path: ['filters', entry.index],
      message: describeError(err),
    })
    return undefined
  }
}

// Constructing is the only way to know a filter starts: what its constructor does (open a file,
// connect) happens during a check too, and `close()` undoes it when the check keeps nothing.
async function constructOnMain(
  entry: NormalizedEntry,
  source: FilterExport,
  options: CheckFiltersOptions,
): Promise<CheckedFilter | undefined> {
  try {
    const loaded = await constructFilter(source, {
      options: entry.options,
      baseDir: entry.baseDir,
      logger: options.logger,
      name: entry.name,
      credentials: entry.credentials,
    })
    return { ...resolveFilter(loaded, entry), entry }
  } catch (err) {
    options.problems.add({
      code: isIOChainError(err) ? err.code : ErrorCodes.IOC_ERR_FILTER_CONSTRUCT,
      step: 'construct',
      path: ['filters', entry.index],
      message: describeError(err),
    })
    return undefined
  }
}

async function constructInWorkers(
  entries: ReadonlyArray<[NormalizedEntry, FilterExport]>,
  pool: FilterPool,
  options: CheckFiltersOptions,
): Promise<CheckedFilter[]> {
  const logger = options.logger ?? createSilentLogger()
  const loaded: CheckedFilter[] = []
  for (const [entry, source] of entries) {
    try {
      // Options travel to the thread by structured clone: functions and class instances cannot.
      structuredClone(entry.options)
      const remote = await loadWorkerFilter(
        {
          spec: entry.use,
          options: entry.options,
          baseDir: entry.baseDir,
          fallbackDirs: options.fallbackDirs,
          name: entry.name,
        },
        pool,
        logger,
      )
      const named = { filter: remote.filter, name: remote.description.name, source }
      loaded.push({ ...resolveFilter(named, entry, remote.dispatch), entry })
    } catch (err) {
      options.problems.add({
        code: ErrorCodes.IOC_ERR_FILTER_WORKER_LOAD,
        step: 'worker',
        path: ['filters', entry.index],
        message: `This worker filter cannot be loaded in a worker thread: ${describeError(err)}`,
      })
    }
  }
  return loaded
}

async function dropNameTwins(
  filters: readonly CheckedFilter[],
  options: CheckFiltersOptions,
): Promise<CheckedFilter[]> {
  const kept: CheckedFilter[] = []
  for (const filter of filters) {
    const twin = kept.find((f) => f.name === filter.name)
    if (!twin) {
      kept.push(filter)
      continue
    }
    const { entry } = filter
    options.problems.add({
      code: ErrorCodes.IOC_ERR_FILTER_NAME_TAKEN,
      step: 'construct',
      path: entry.name ? ['filters', entry.index, 'name'] : ['filters', entry.index],
      message:
        `The name \`${filter.name}\` is already taken by filters[${twin.entry.index}] ` +
        `(\`${twin.entry.use}\`); give one of them a distinct \`name\`.`,
    })
    await closeQuietly(filter.filter)
  }
  return kept
}

async function closeQuietly(filter: { close?(): void | Promise<void> }): Promise<void> {
  try {
    await filter.close?.()
  } catch {
    // a filter that fails to close after a failed check has nothing left to lose
  }
}
