import { ErrorCodes, IOChainError } from '../errors.ts'
import type { FilterMatch, ResolvedFilter } from '../filter.ts'
import type { Logger } from '../logger.ts'
import { type LoadedFilter, loadFilter } from './load-filter.ts'

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
}

export interface LoadFiltersOptions {
  baseDir?: string
  logger?: Logger
  /** Where else to look for packages, after `baseDir`. */
  fallbackDirs?: string[]
}

/** Applies an entry's settings to a constructed filter. */
export function resolveFilter(loaded: LoadedFilter, entry: FilterEntry): ResolvedFilter {
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
  }
}

/** Loads every entry in order; names must be unique so logs and metrics stay unambiguous. */
export async function loadFilters(
  entries: ReadonlyArray<string | FilterEntry>,
  options: LoadFiltersOptions = {},
): Promise<ResolvedFilter[]> {
  const resolved: ResolvedFilter[] = []
  for (const raw of entries) {
    const entry = typeof raw === 'string' ? { use: raw } : raw
    const loaded = await loadFilter(entry.use, {
      options: entry.options,
      baseDir: options.baseDir,
      logger: options.logger,
      name: entry.name,
      fallbackDirs: options.fallbackDirs,
    })
    const twin = resolved.find((f) => f.name === loaded.name)
    if (twin) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_SPEC_INVALID,
        `Two filters are named \`${loaded.name}\` (\`${twin.spec}\` and \`${entry.use}\`); ` +
          'give one of them a distinct `name`.',
      )
    }
    resolved.push(resolveFilter(loaded, entry))
  }
  return resolved
}
