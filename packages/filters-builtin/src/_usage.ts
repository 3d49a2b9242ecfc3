import type { IOContext } from '@iochain/core'
import { contextTexts } from './_text.ts'

export interface TokenCounts {
  prompt: number
  completion: number
  /** `true` when the upstream reported no usage and the counts come from text length. */
  estimated: boolean
}

// About four characters per token for English text, the rule of thumb OpenAI documents.
const CHARS_PER_TOKEN = 4

/**
 * The tokens a request consumed: the upstream's usage when it reported one, else an estimate
 * from the text (a stream without `include_usage`, or one the client cancelled).
 */
export function tokensOf(ctx: IOContext): TokenCounts {
  const usage = ctx.usage
  if (usage && Number.isFinite(usage.prompt_tokens)) {
    return {
      prompt: usage.prompt_tokens,
      completion: Number.isFinite(usage.completion_tokens) ? usage.completion_tokens : 0,
      estimated: false,
    }
  }
  const consumed = ctx.outcome.kind === 'ok' || ctx.outcome.kind === 'cancelled'
  if (!consumed || !ctx.response) {
    return { prompt: 0, completion: 0, estimated: false }
  }
  const { prompt, completion } = contextTexts(ctx)
  return { prompt: estimate(prompt), completion: estimate(completion), estimated: true }
}

function estimate(texts: string[]): number {
  let chars = 0
  for (const text of texts) chars += text.length
  return Math.ceil(chars / CHARS_PER_TOKEN)
}
