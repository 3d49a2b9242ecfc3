/** A limit on one counter: at most `limit` per window of `windowMs`. */
export interface WindowLimit {
  limit: number
  windowMs: number
}

export interface Limits {
  requests?: WindowLimit
  tokens?: WindowLimit
}

/** A counter's state: how much of the window is used, and in how long it starts afresh. */
export interface CounterState {
  used: number
  resetMs: number
}

export interface TakeResult {
  /** `false` when a limit was reached; the request was then not counted. */
  allowed: boolean
  requests: CounterState
  tokens: CounterState
}

/**
 * Where counters live. Windows are fixed and start at a key's first use. `take` checks every
 * limit and counts one request in a single atomic step, so concurrent gateways never both take
 * the last slot.
 */
export interface RateStore {
  take(key: string, limits: Limits): Promise<TakeResult>
  /** Adds tokens to the key's token counter after a response. */
  addTokens(key: string, tokens: number, window: WindowLimit): Promise<void>
  close(): Promise<void>
}
