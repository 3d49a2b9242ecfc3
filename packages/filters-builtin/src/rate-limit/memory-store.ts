import type { CounterState, Limits, RateStore, TakeResult, WindowLimit } from './store.ts'

interface Counter {
  used: number
  resetAt: number
}

// Expired counters are swept this often, so keys seen once do not stay in memory.
const SWEEP_MS = 60_000

/** Counters in this process's memory: one gateway, lost on restart. */
export class MemoryStore implements RateStore {
  readonly #counters = new Map<string, Counter>()
  readonly #sweeper: NodeJS.Timeout
  readonly now: () => number

  constructor(now: () => number = Date.now) {
    this.now = now
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS)
    this.#sweeper.unref()
  }

  async take(key: string, limits: Limits): Promise<TakeResult> {
    const requests = this.#read(`req:${key}`)
    const tokens = this.#read(`tok:${key}`)
    const full =
      (limits.requests !== undefined && requests.used >= limits.requests.limit) ||
      (limits.tokens !== undefined && tokens.used >= limits.tokens.limit)
    if (full) return { allowed: false, requests, tokens }
    if (limits.requests) {
      return { allowed: true, requests: this.#add(`req:${key}`, 1, limits.requests), tokens }
    }
    return { allowed: true, requests, tokens }
  }

  async addTokens(key: string, tokens: number, window: WindowLimit): Promise<void> {
    this.#add(`tok:${key}`, tokens, window)
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#counters.clear()
  }

  #read(name: string): CounterState {
    const counter = this.#live(name)
    return counter ? { used: counter.used, resetMs: counter.resetAt - this.now() } : EMPTY
  }

  #add(name: string, amount: number, window: WindowLimit): CounterState {
    let counter = this.#live(name)
    if (!counter) {
      counter = { used: 0, resetAt: this.now() + window.windowMs }
      this.#counters.set(name, counter)
    }
    counter.used += amount
    return { used: counter.used, resetMs: counter.resetAt - this.now() }
  }

  #live(name: string): Counter | undefined {
    const counter = this.#counters.get(name)
    if (counter && counter.resetAt > this.now()) return counter
    return undefined
  }

  #sweep(): void {
    const now = this.now()
    for (const [name, counter] of this.#counters) {
      if (counter.resetAt <= now) this.#counters.delete(name)
    }
  }
}

const EMPTY: CounterState = { used: 0, resetMs: 0 }
