import { describeError, ErrorCodes, IOChainError } from '../errors.ts'
import type { FilterMatch, ResolvedFilter } from '../filter.ts'
import type { Logger } from '../logger.ts'
import { createSilentLogger } from '../logger.ts'
import { FilterPool, type WorkerPoolOptions } from '../worker/pool.ts'
import { loadWorkerFilter, type WorkerDispatch } from '../worker/proxy.ts'
import {
  constructFilter,
  type LoadedFilter,
  resolveFilterExport,
  wantsWorker,
} from './load-filter.ts'

/** One filter as an operator writes it: a spec, or a spec with settings around it. */
export interface FilterEntry {
  /** `module:ExportName`, or `module` for the default export. */
  use: string
  options?: unknown
  /** The name in logs and metrics; the filter's own name unless given. */
  name?: string
  /** Overrides the filter's own `blocking`. */
  blocking?: boolean
  timeoutMs?: number
  /** `closed` fails the request when the hook fails; default: closed if blocking, else open. */
  failMode?: 'open' | 'closed'
  /** A failing `onResponse` becomes an error response where one can still be sent. */
  strict?: boolean
  /** Let this filter see `authorization`, `cookie` and API-key headers unredacted. */
  credentials?: boolean
  match?: FilterMatch
  /**
   * Run the hooks in the worker pool, on a snapshot of the context. Unless given, the filter's
   * own choice (`static worker = true` on its class), else the main thread.
   */
  worker?: boolean
}

export interface LoadFiltersOptions {
  baseDir?: string
  logger?: Logger
  /** Where else to look for packages, after `baseDir`. */
  fallbackDirs?: string[]
  /**
   * The pool for filters that run in worker threads, or how to size the one created for them.
   * A pool is started only when some filter runs in a worker; the chain then owns it.
   */
  workerPool?: FilterPool | WorkerPoolOptions
}

/** Applies an entry's settings to a constructed filter. */
export function resolveFilter(
  loaded: LoadedFilter,
  entry: FilterEntry,
  worker?: WorkerDispatch,
): ResolvedFilter {
  const blocking = entry.blocking ?? loaded.filter.blocking ?? true
  return {
    name: loaded.name,
    filter: loaded.filter,
    blocking,
    timeoutMs: entry.timeoutMs,
    failMode: entry.failMode ?? (blocking ? 'closed' : 'open'),
    strict: entry.strict ?? false,
    credentials: entry.credentials ?? false,
    match: entry.match,
    spec: entry.use,
    worker,
  }
}

/**
 * Loads every entry in order; names must be unique so logs and metrics stay unambiguous.
 * A filter that runs in a worker is constructed in a pool thread, never in this one.
 */
export async function loadFilters(
  entries: ReadonlyArray<string | FilterEntry>,
  options: LoadFiltersOptions = {},
): Promise<ResolvedFilter[]> {
  const given = options.workerPool instanceof FilterPool ? options.workerPool : undefined
  let created: FilterPool | undefined
  const pool = () => {
    if (given) return given
    const sizing = options.workerPool as WorkerPoolOptions | undefined
    created ??= new FilterPool({ ...sizing, logger: options.logger })
    return created
  }
  try {
    const resolved: ResolvedFilter[] = []
    for (const raw of entries) {
      const entry = typeof raw === 'string' ? { use: raw } : raw
      const next = await loadEntry(entry, options, pool)
      const twin = resolved.find((f) => f.name === next.name)
      if (twin) {
        throw new IOChainError(
          ErrorCodes.IOC_ERR_FILTER_NAME_TAKEN,
          `Two filters are named \`${next.name}\` (\`${twin.spec}\` and \`${entry.use}\`); ` +
            'give one of them a distinct `name`.',
        )
      }
      resolved.push(next)
    }
    return resolved
  } catch (err) {
    await created?.close({ deadlineMs: 0 })
    throw err
  }
}

// --- internal ---

async function loadEntry(
  entry: FilterEntry,
  options: LoadFiltersOptions,
  pool: () => FilterPool,
): Promise<ResolvedFilter> {
  const baseDir = options.baseDir ?? process.cwd()
  const source = await resolveFilterExport(entry.use, baseDir, options.fallbackDirs)
  const settings = {
    options: entry.options,
    baseDir,
    logger: options.logger,
    name: entry.name,
    credentials: entry.credentials,
  }
  if (!(entry.worker ?? wantsWorker(source))) {
    return resolveFilter(await constructFilter(source, settings), entry)
  }
  checkCloneable(entry)
  const logger = options.logger ?? createSilentLogger()
  const remote = await loadWorkerFilter(
    {
      spec: entry.use,
      options: entry.options,
      baseDir,
      fallbackDirs: options.fallbackDirs ?? [],
      name: entry.name,
    },
    pool(),
    logger,
  )
  const loaded: LoadedFilter = {
    filter: remote.filter,
    name: remote.description.name,
    source,
  }
  return resolveFilter(loaded, entry, remote.dispatch)
}

function checkCloneable(entry: FilterEntry): void {
  try {
    structuredClone(entry.options)
  } catch (err) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_FILTER_OPTIONS,
      `The options of filter \`${entry.use}\` cannot be sent to a worker thread ` +
        `(${describeError(err)}); a filter that runs in a worker takes plain data as options.`,
      { cause: err },
    )
  }
}
