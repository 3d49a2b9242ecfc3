import {
  type FilterInit,
  type IOContext,
  type IOFilter,
  IOFilterReject,
  type Logger,
} from '@iochain/core'
import { optionError, requirePositiveInteger } from '../_options.ts'
import { tokensOf } from '../_usage.ts'
import { rateLimitHeaders } from './headers.ts'
import { MemoryStore } from './memory-store.ts'
import { RedisStore, StoreUnavailableError } from './redis-store.ts'
import type { Limits, RateStore, WindowLimit } from './store.ts'

export interface RateLimitOptions {
  /**
   * What a limit applies to: each `identity` (from ApiKeyAuth), each `client` address, or all
   * requests together (`global`). `identity` falls back to the client address.
   */
  by?: 'identity' | 'client' | 'global'
  /** Requests per window. */
  requests?: WindowLimit
  /** Prompt plus completion tokens per window, counted from each response. */
  tokens?: WindowLimit
  /** `memory` (default): this gateway only. `redis`: shared by every gateway on that Redis. */
  store?: 'memory' | 'redis'
  redis?: {
    /** `redis://[:password@]host:port/db`; prefer `urlEnv` when it holds a password. */
    url?: string
    /** An environment variable holding the URL. */
    urlEnv?: string
    /** Key prefix, so that several limits can share one Redis; `iochain:ratelimit:` by default. */
    prefix?: string
    /** `allow` (default) lets requests through while Redis is unreachable; `deny` refuses them. */
    onUnavailable?: 'allow' | 'deny'
    /** How long a Redis call may take; 500 ms unless given. */
    timeoutMs?: number
  }
  /** The `ctx.metadata` field holding the identity; `identity` unless given. */
  identityKey?: string
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    by: { enum: ['identity', 'client', 'global'] },
    requests: {
      type: 'object',
      additionalProperties: false,
      required: ['limit', 'windowMs'],
      properties: {
        limit: { type: 'integer', minimum: 1 },
        windowMs: { type: 'integer', minimum: 1 },
      },
    },
    tokens: {
      type: 'object',
      additionalProperties: false,
      required: ['limit', 'windowMs'],
      properties: {
        limit: { type: 'integer', minimum: 1 },
        windowMs: { type: 'integer', minimum: 1 },
      },
    },
    store: { enum: ['memory', 'redis'] },
    redis: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: 'string', minLength: 1 },
        urlEnv: { type: 'string', minLength: 1 },
        prefix: { type: 'string' },
        onUnavailable: { enum: ['allow', 'deny'] },
        timeoutMs: { type: 'integer', minimum: 1 },
      },
    },
    identityKey: { type: 'string', minLength: 1 },
  },
} as const

/**
 * Limits requests and tokens per window, per identity, client address or globally. A limited
 * request answers 429 with `retry-after` and OpenAI's `x-ratelimit-*` headers.
 */
export class RateLimit implements IOFilter {
  static readonly description = 'Requests and tokens per window, in memory or shared through Redis'
  static readonly optionsSchema: typeof optionsSchema = optionsSchema

  readonly name: string
  readonly #limits: Limits
  readonly #by: 'identity' | 'client' | 'global'
  readonly #identityKey: string
  readonly #store: RateStore
  readonly #denyWhenUnavailable: boolean
  readonly #logger: Logger

  constructor(options: RateLimitOptions, init: FilterInit) {
    this.name = init.name
    this.#logger = init.logger
    this.#limits = checkLimits(this.name, options ?? {})
    this.#by = options.by ?? 'identity'
    this.#identityKey = options.identityKey ?? 'identity'
    this.#denyWhenUnavailable = options.redis?.onUnavailable === 'deny'
    this.#store = createStore(this.name, options, init.logger)
  }

  async onRequest(ctx: IOContext): Promise<void> {
    const key = this.#keyOf(ctx)
    let result: Awaited<ReturnType<RateStore['take']>>
    try {
      result = await this.#store.take(key, this.#limits)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      if (!this.#denyWhenUnavailable) return
      throw new IOFilterReject('Rate limits cannot be checked right now; retry shortly.', {
        status: 503,
        type: 'server_error',
        code: 'rate_limit_unavailable',
        headers: { 'retry-after': '1' },
      })
    }
    if (result.allowed) return
    const tokenLimit = this.#limits.tokens?.limit ?? Number.POSITIVE_INFINITY
    const what = result.tokens.used >= tokenLimit ? 'tokens' : 'requests'
    throw new IOFilterReject(
      `Rate limit reached for ${what}; retry after the time in the retry-after header.`,
      {
        status: 429,
        code: 'rate_limit_exceeded',
        headers: rateLimitHeaders(this.#limits, result),
      },
    )
  }

  async onResponse(ctx: IOContext): Promise<void> {
    if (!this.#limits.tokens) return
    const { prompt, completion } = tokensOf(ctx)
    if (prompt + completion === 0) return
    try {
      await this.#store.addTokens(this.#keyOf(ctx), prompt + completion, this.#limits.tokens)
    } catch (err) {
      // The outage is already logged once by the store; the tokens of this response are lost.
      if (!(err instanceof StoreUnavailableError)) throw err
    }
  }

  close(): Promise<void> {
    return this.#store.close()
  }

  #keyOf(ctx: IOContext): string {
    if (this.#by === 'global') return 'global'
    const identity = ctx.metadata[this.#identityKey]
    if (this.#by === 'identity' && typeof identity === 'string' && identity !== '') {
      return `id:${identity}`
    }
    return `ip:${ctx.client.address}`
  }
}

function checkLimits(name: string, options: RateLimitOptions): Limits {
  if (!options.requests && !options.tokens) {
    optionError(name, 'requests', 'or `options.tokens` must be given')
  }
  const limits: Limits = {}
  for (const kind of ['requests', 'tokens'] as const) {
    const limit = options[kind]
    if (!limit) continue
    limits[kind] = {
      limit: requirePositiveInteger(name, `${kind}.limit`, limit.limit),
      windowMs: requirePositiveInteger(name, `${kind}.windowMs`, limit.windowMs),
    }
  }
  return limits
}

function createStore(name: string, options: RateLimitOptions, logger: Logger): RateStore {
  if ((options.store ?? 'memory') === 'memory') return new MemoryStore()
  const redis = options.redis ?? {}
  const url = redis.url ?? (redis.urlEnv ? process.env[redis.urlEnv] : undefined)
  if (!url) {
    const why = redis.urlEnv ? `names ${redis.urlEnv}, which is not set` : 'is missing'
    optionError(name, redis.urlEnv ? 'redis.urlEnv' : 'redis.url', why)
  }
  return new RedisStore({
    url,
    prefix: redis.prefix ?? 'iochain:ratelimit:',
    timeoutMs: redis.timeoutMs ?? 500,
    logger,
  })
}
