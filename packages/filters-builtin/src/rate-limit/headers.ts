import type { Limits, TakeResult } from './store.ts'

/**
 * The headers OpenAI sends with rate limits: `x-ratelimit-{limit,remaining,reset}-{requests,
 * tokens}`, resets as durations such as `1s` or `6m0s`, plus `retry-after` in whole seconds
 * (and `retry-after-ms`, which OpenAI's clients prefer) when the request was refused.
 */
export function rateLimitHeaders(limits: Limits, result: TakeResult): Record<string, string> {
  const headers: Record<string, string> = {}
  let wait = 0
  for (const kind of ['requests', 'tokens'] as const) {
    const limit = limits[kind]
    if (!limit) continue
    const state = result[kind]
    const resetMs = state.used > 0 ? state.resetMs : limit.windowMs
    headers[`x-ratelimit-limit-${kind}`] = String(limit.limit)
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(limit.limit - state.used, 0))
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(resetMs)
    if (state.used >= limit.limit) wait = Math.max(wait, resetMs)
  }
  if (!result.allowed) {
    headers['retry-after'] = String(Math.max(Math.ceil(wait / 1000), 1))
    headers['retry-after-ms'] = String(Math.max(wait, 1))
  }
  return headers
}

/** `850ms`, `12s`, `1m30s`, `2h0m0s`: the duration style of OpenAI's reset headers. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(Math.round(ms), 0)}ms`
  const total = ms / 1000
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = Number((total % 60).toFixed(3))
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}
