import {
  type ChainOptions,
  createGateway,
  type FilterEntry,
  type Gateway,
  IOChain,
  type IOFilter,
  type Logger,
  loadFilters,
  type ResolvedFilter,
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
  /** Where relative specs resolve; the current folder unless given. */
  baseDir?: string
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
 * A real gateway on a free port in front of a mock upstream or a given URL.
 *
 * @example
 * const gw = await startGateway({ filters: ['./src/index.ts:MyFilter'] })
 * const client = new OpenAI({ baseURL: gw.url, apiKey: 'test' })
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const filters = await resolveFilters(options)
  const { upstream, owned } = await pickUpstream(options.upstream)
  const upstreamUrl = typeof upstream === 'string' ? upstream : upstream.url
  const chain = new IOChain(filters, { logger: options.logger, ...options.chain })
  const gateway = createGateway({ chain, upstream: { url: upstreamUrl }, logger: options.logger })
  try {
    await gateway.listen(0, '127.0.0.1')
  } catch (err) {
    if (owned) await (upstream as MockUpstream).close()
    throw err
  }
  return {
    url: `${gateway.url}/v1`,
    gateway,
    upstream: typeof upstream === 'string' ? undefined : upstream,
    async close() {
      await gateway.close({ deadlineMs: 5_000 })
      if (owned) await (upstream as MockUpstream).close()
    },
  }
}

// --- internal ---

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
  given: StartGatewayOptions['upstream'],
): Promise<{ upstream: MockUpstream | string; owned: boolean }> {
  if (typeof given === 'string') return { upstream: given, owned: false }
  if (isMockUpstream(given)) return { upstream: given, owned: false }
  return { upstream: await startMockUpstream(given), owned: true }
}
