import path from 'node:path'
import {
  type ChainOptions,
  createGateway,
  createGatewayFromConfig,
  describeProblem,
  ErrorCodes,
  type FilterEntry,
  type Gateway,
  IOChain,
  type IOChainConfig,
  IOChainError,
  type IOFilter,
  type Logger,
  loadFilters,
  type ResolvedConfig,
  type ResolvedFilter,
  readConfig,
  resolveConfig,
} from '@iochain/core'
import { type MockUpstream, startMockUpstream } from './mock-upstream/mock-upstream.ts'
import type { UpstreamScript } from './mock-upstream/script.ts'
import { type ChainEntry, resolveEntry } from './run-filter.ts'

export interface StartGatewayOptions {
  /**
   * The chain, in order: specs (`module:Export`) and config entries are loaded as `iochain run`
   * loads them; filter objects run as they are.
   */
  filters?: ReadonlyArray<string | FilterEntry | IOFilter | ChainEntry>
  /**
   * A running mock upstream, the URL of any OpenAI-compatible server (with `/v1`), or a script
   * for a mock upstream started for this gateway. A default mock upstream unless given.
   */
  upstream?: MockUpstream | string | UpstreamScript
  /**
   * The chain as a config holds it (`filters`, `limits`, `workerPool`, ...): an object written
   * as in `iochain.config.ts`, or the path of a config file. Validated as `iochain run` does.
   */
  config?: IOChainConfig | string
  /** Where relative specs and a relative config path resolve; the current folder unless given. */
  baseDir?: string
  /** Chain settings when the chain comes from `filters`. */
  chain?: ChainOptions
  logger?: Logger
}

export interface TestGateway {
  /** Base URL with `/v1`, for the `openai` client's `baseURL`. */
  readonly url: string
  readonly gateway: Gateway
  /** The mock upstream behind the gateway, when it is one. */
  readonly upstream: MockUpstream | undefined
  /** Stops the gateway (hooks drained, filters closed) and the upstream it started. */
  close(): Promise<void>
}

/**
 * A real gateway on a free port in front of a mock upstream or a given URL, with a chain given
 * as `filters` or as a config.
 *
 * @example
 * const gw = await startGateway({ filters: ['./src/index.ts:MyFilter'] })
 * const client = new OpenAI({ baseURL: gw.url, apiKey: 'test' })
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  if (options.config !== undefined && options.filters !== undefined) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
      'startGateway takes `filters` or `config`, not both: list the filters in the config.',
    )
  }
  const config = options.config === undefined ? undefined : await loadConfig(options)
  const filters = config ? config.filters : await resolveFilters(options)
  // A config's own upstream is used when the test names none.
  const picked = config?.upstream && !options.upstream ? undefined : await pickUpstream(options)
  const upstreamUrl =
    picked && (typeof picked.upstream === 'string' ? picked.upstream : picked.upstream.url)
  const gateway = config
    ? createGatewayFromConfig(
        upstreamUrl ? { ...config, upstream: { url: upstreamUrl } } : config,
        { logger: options.logger },
      )
    : createGateway({
        chain: new IOChain(filters, { logger: options.logger, ...options.chain }),
        upstream: { url: upstreamUrl! },
        logger: options.logger,
      })
  const closeUpstream = async () => {
    if (picked?.owned) await (picked.upstream as MockUpstream).close()
  }
  try {
    await gateway.listen(0, '127.0.0.1')
  } catch (err) {
    await gateway.chain.close()
    await closeUpstream()
    throw err
  }
  return {
    url: `${gateway.url}/v1`,
    gateway,
    upstream: typeof picked?.upstream === 'object' ? picked.upstream : undefined,
    async close() {
      await gateway.close({ deadlineMs: 5_000 })
      await closeUpstream()
    },
  }
}

// --- internal ---

// A config object as a file holds it, or a config file's path; checked as `iochain run` does.
async function loadConfig(options: StartGatewayOptions): Promise<ResolvedConfig> {
  const cwd = options.baseDir ?? process.cwd()
  const settings = { cwd, logger: options.logger }
  if (typeof options.config !== 'string') return resolveConfig(options.config, settings)
  const read = await readConfig({ file: options.config, cwd })
  if (!read.ok) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND,
      read.problem
        ? describeProblem(read.problem)
        : `No config file at \`${path.resolve(cwd, options.config)}\`.`,
    )
  }
  return resolveConfig(read.file.config, { ...settings, source: read.file })
}

// Specs load in one call, so that worker filters share the one pool a chain may have.
async function resolveFilters(options: StartGatewayOptions): Promise<ResolvedFilter[]> {
  const items = options.filters ?? []
  const specs = items.filter((item) => typeof item === 'string' || isConfigEntry(item))
  const loaded = await loadFilters(specs, { baseDir: options.baseDir, logger: options.logger })
  return items.map((item) =>
    typeof item === 'string' || isConfigEntry(item) ? loaded.shift()! : resolveEntry(item),
  )
}

function isConfigEntry(item: FilterEntry | IOFilter | ChainEntry): item is FilterEntry {
  return typeof (item as FilterEntry).use === 'string'
}

function isMockUpstream(value: unknown): value is MockUpstream {
  const v = value as MockUpstream | null
  return (
    typeof v === 'object' && v !== null && typeof v.url === 'string' && Array.isArray(v.requests)
  )
}

async function pickUpstream(
  options: StartGatewayOptions,
): Promise<{ upstream: MockUpstream | string; owned: boolean }> {
  const given = options.upstream
  if (typeof given === 'string') return { upstream: given, owned: false }
  if (isMockUpstream(given)) return { upstream: given, owned: false }
  return { upstream: await startMockUpstream(given), owned: true }
}
