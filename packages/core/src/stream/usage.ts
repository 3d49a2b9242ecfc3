import type { Usage } from '../context.ts'

/**
 * Token counts as filters see them, from any usage object an upstream sends: the chat and
 * completions shape as is, the Responses API's `input_tokens`/`output_tokens` under the chat
 * names (its own keys kept beside them). Anything else, `null` included, gives `null`.
 */
export function normalizeUsage(value: unknown): Usage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const usage = value as Record<string, unknown>
  if (typeof usage.prompt_tokens === 'number') return usage as Usage
  if (typeof usage.input_tokens !== 'number') return null
  const output = typeof usage.output_tokens === 'number' ? usage.output_tokens : 0
  return {
    ...usage,
    prompt_tokens: usage.input_tokens,
    completion_tokens: output,
    total_tokens:
      typeof usage.total_tokens === 'number' ? usage.total_tokens : usage.input_tokens + output,
  }
}
