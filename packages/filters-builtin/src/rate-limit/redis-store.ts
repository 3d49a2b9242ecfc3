import type { Logger } from '@iochain/core'
import { Redis } from 'ioredis'
import { ADD_SCRIPT, TAKE_SCRIPT } from './redis-scripts.ts'
import type { Limits, RateStore, TakeResult, WindowLimit } from './store.ts'

export interface RedisStoreOptions {
  url: string
  /** Prefix of every key this store writes. */
  prefix: string
  /** How long one Redis call may take before the store counts Redis as unreachable. */
  timeoutMs: number
  logger: Logger
}

/** Thrown when Redis cannot answer; the filter then applies its `onUnavailable` policy. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

interface Scripted {
  iochainTake(reqKey: string, tokKey: string, ...args: number[]): Promise<number[]>
  iochainAdd(tokKey: string, tokens: number, windowMs: number): Promise<number>
}

/**
 * Counters in Redis, shared by every gateway that uses the same Redis and prefix. While Redis is
 * unreachable, calls fail at once (no queueing) and the outage is logged once, not per request.
 */
export class RedisStore implements RateStore {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #logger: Logger
  readonly #firstConnect: Promise<void>
  #down = false

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix
    this.#logger = options.logger
    this.#redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      // ioredis arms this timer on close even for a socket already gone, which holds a gateway's
      // exit back by its default of 2 s while Redis is down.
      disconnectTimeout: options.timeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    })
    this.#redis.defineCommand('iochainTake', { numberOfKeys: 2, lua: TAKE_SCRIPT })
    this.#redis.defineCommand('iochainAdd', { numberOfKeys: 1, lua: ADD_SCRIPT })
    // ioredis reports every failed reconnect; the outage itself is logged by #markDown.
    this.#redis.on('error', (err) => this.#markDown(err))
    this.#redis.on('ready', () => this.#markUp())
    this.#firstConnect = new Promise<void>((resolve) => {
      this.#redis.once('ready', resolve)
      this.#redis.once('error', () => resolve())
    })
  }

  async take(key: string, limits: Limits): Promise<TakeResult> {
    const reply = await this.#call((r) =>
      r.iochainTake(
        this.#key('req', key),
        this.#key('tok', key),
        limits.requests?.limit ?? 0,
        limits.requests?.windowMs ?? 0,
        limits.tokens?.limit ?? 0,
      ),
    )
    const [allowed, reqUsed, reqReset, tokUsed, tokReset] = reply.map(Number) as number[]
    return {
      allowed: allowed === 1,
      requests: { used: reqUsed ?? 0, resetMs: reqReset ?? 0 },
      tokens: { used: tokUsed ?? 0, resetMs: tokReset ?? 0 },
    }
  }

  async addTokens(key: string, tokens: number, window: WindowLimit): Promise<void> {
    await this.#call((r) => r.iochainAdd(this.#key('tok', key), tokens, window.windowMs))
  }

  async close(): Promise<void> {
    try {
      await this.#redis.quit()
    } catch {
      this.#redis.disconnect()
    }
  }

  async #call<T>(run: (redis: Scripted) => Promise<T>): Promise<T> {
    // Requests that arrive while the first connection is being made wait for it, once.
    if (this.#redis.status !== 'ready' && !this.#down) await this.#firstConnect
    if (this.#redis.status !== 'ready') {
      const error = new StoreUnavailableError(`Redis is not connected (${this.#redis.status}).`)
      this.#markDown(error)
      throw error
    }
    try {
      const result = await run(this.#redis as unknown as Scripted)
      this.#markUp()
      return result
    } catch (err) {
      this.#markDown(err)
      throw new StoreUnavailableError(`Redis call failed: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }

  #key(kind: 'req' | 'tok', key: string): string {
    return `${this.#prefix}${kind}:${key}`
  }

  #markDown(err: unknown): void {
    if (this.#down) return
    this.#down = true
    this.#logger.warn(
      { err: { message: (err as Error)?.message } },
      'Redis unreachable: rate limits follow the onUnavailable policy until it is back',
    )
  }

  #markUp(): void {
    if (!this.#down) return
    this.#down = false
    this.#logger.info('Redis reachable again: rate limits are enforced')
  }
}
