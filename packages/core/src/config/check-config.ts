import { Ajv, type ValidateFunction } from 'ajv'
import type { HookName } from '../chain.ts'
import { ErrorCodes } from '../errors.ts'
import type { UpstreamOptions } from '../gateway/upstream.ts'
import type { Logger } from '../logger.ts'
import {
  type CheckedFilter,
  checkFilters,
  closeFilters,
  normalizeEntries,
} from './check-filters.ts'
import { checkSettings } from './check-settings.ts'
import { explainSchemaErrors } from './explain-schema-errors.ts'
import { applyOverrides, type ConfigOverrides } from './overrides.ts'
import type { ConfigProblem, ValidationStep } from './problem.ts'
import { ProblemList } from './problems.ts'
import type { ConfigFile, ConfigFormat } from './read-config.ts'
import { configSchema, type IOChainConfig } from './schema.ts'

export interface CheckConfigOptions {
  /** The file the config was read from: places problems and anchors relative specs. */
  source?: ConfigFile
  /** Relative specs resolve here when there is no file, and for `overrides.filters`. */
  cwd?: string
  overrides?: ConfigOverrides
  /** Where `upstream.apiKeyEnv` is looked up; `process.env` unless given. */
  env?: Record<string, string | undefined>
  /** Handed to the filters that are constructed. */
  logger?: Logger
  /** Where else packages are looked for, after the spec's own folder. */
  fallbackDirs?: string[]
  /** Told when each step starts, for progress display. */
  onStep?: (step: ValidationStep) => void
  /** Keep the constructed filters open for running them; otherwise they are closed. */
  keepFilters?: boolean
}

/** One filter of a checked chain, as a report shows it. */
export interface FilterSummary {
  index: number
  name: string
  spec: string
  kind: 'blocking' | 'background'
  worker: boolean
  hooks: HookName[]
}

/** What `validate config` found; `--json` prints exactly this. */
export interface ConfigReport {
  valid: boolean
  file?: string
  format?: ConfigFormat
  filters: FilterSummary[]
  problems: ConfigProblem[]
}

/** A valid config with its defaults filled in and its filters constructed. */
export interface ResolvedConfig {
  /** Absent: no upstream is configured (the CLI then serves its embedded mock model). */
  upstream?: UpstreamOptions
  listen: { host: string; port: number }
  /** In order; worker filters dispatch to one pool, which the chain built on them owns. */
  filters: CheckedFilter[]
  limits: NonNullable<IOChainConfig['limits']>
  log: { level: string; format: 'json' | 'pretty' }
}

export interface ConfigCheck {
  report: ConfigReport
  /** Present when the report is valid. */
  resolved?: ResolvedConfig
}

let validateSchema: ValidateFunction | undefined

/**
 * Checks a config in the order `validate config` reports it: the schema, the settings, then
 * every filter resolved, its options checked, constructed and, for `worker: true`, loaded in a
 * worker thread. Never throws for a bad config: every problem is in the report.
 */
export async function checkConfig(
  input: unknown,
  options: CheckConfigOptions = {},
): Promise<ConfigCheck> {
  const cwd = options.cwd ?? process.cwd()
  const { config, overridden } = applyOverrides(input, options.overrides ?? {})
  const problems = new ProblemList(options.source, overridden)
  const report = (filters: CheckedFilter[]): ConfigReport => ({
    valid: problems.items.length === 0,
    ...(options.source ? { file: options.source.file, format: options.source.format } : {}),
    filters: filters.map(summarize),
    problems: problems.items,
  })

  options.onStep?.('schema')
  validateSchema ??= new Ajv({ allErrors: true, verbose: true }).compile(configSchema)
  if (!validateSchema(config)) {
    for (const v of explainSchemaErrors(validateSchema.errors ?? [], config)) {
      problems.add({
        code: v.unknownKey
          ? ErrorCodes.IOC_ERR_CONFIG_UNKNOWN_KEY
          : ErrorCodes.IOC_ERR_CONFIG_SCHEMA,
        step: 'schema',
        path: v.path,
        message: v.message,
        atKey: v.unknownKey,
        missing: v.missing,
      })
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return { report: report([]) }
  }
  const typed = config as IOChainConfig

  options.onStep?.('settings')
  checkSettings(typed, options.env ?? process.env, problems)

  const filterList = Array.isArray(typed.filters) ? typed.filters : []
  const baseDir = overridden.has('filters') ? cwd : (options.source?.baseDir ?? cwd)
  const entries = normalizeEntries(filterList, baseDir).filter(
    (e) => !problems.has(['filters', e.index]),
  )
  const filters = await checkFilters(entries, {
    problems,
    logger: options.logger,
    fallbackDirs: options.fallbackDirs ?? [],
    // Sizes the settings step refused fall back to the defaults, so workers are still checked.
    workerPool: problems.has(['workerPool']) ? undefined : typed.workerPool,
    onStep: options.onStep,
  })

  const done = report(filters)
  if (!done.valid || !options.keepFilters) await closeFilters(filters)
  if (!done.valid) return { report: done }
  return { report: done, resolved: resolveSettings(typed, filters, options.env ?? process.env) }
}

// --- internal ---

function summarize(filter: CheckedFilter): FilterSummary {
  const hooks = (['onRequest', 'onResponse'] as const).filter(
    (hook) => typeof filter.filter[hook] === 'function',
  )
  return {
    index: filter.entry.index,
    name: filter.name,
    spec: filter.entry.use,
    kind: filter.blocking ? 'blocking' : 'background',
    worker: filter.worker !== undefined,
    hooks,
  }
}

function resolveSettings(
  config: IOChainConfig,
  filters: CheckedFilter[],
  env: Record<string, string | undefined>,
): ResolvedConfig {
  const { upstream } = config
  return {
    upstream: upstream && {
      url: upstream.url,
      apiKey: upstream.apiKeyEnv ? env[upstream.apiKeyEnv] : undefined,
      headersTimeoutMs: upstream.headersTimeoutMs,
      bodyTimeoutMs: upstream.bodyTimeoutMs,
      connectTimeoutMs: upstream.connectTimeoutMs,
      connections: upstream.connections,
    },
    listen: { host: config.listen?.host ?? '127.0.0.1', port: config.listen?.port ?? 8080 },
    filters,
    limits: config.limits ?? {},
    log: { level: config.log?.level ?? 'info', format: config.log?.format ?? 'json' },
  }
}
