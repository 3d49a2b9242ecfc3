import { createHash } from 'node:crypto'

/** Words stand in for tokens: the mock's counts are stable and easy to check by hand. */
export function countTokens(text: string): number {
  const trimmed = text.trim()
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length
}

/** The text of every message, whatever content shape it uses (string or parts). */
export function promptText(body: Record<string, unknown>): string {
  if (Array.isArray(body.messages)) {
    return body.messages.map((m) => contentText((m as { content?: unknown })?.content)).join('\n')
  }
  const prompt = body.prompt
  if (Array.isArray(prompt)) return prompt.map(String).join('\n')
  return typeof prompt === 'string' ? prompt : ''
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part) => (typeof part?.text === 'string' ? (part.text as string) : ''))
    .join(' ')
}

/** The mock's deterministic reply, as tokens with their leading spaces. */
export function replyTokens(body: Record<string, unknown>): string[] {
  const lastLine = promptText(body).trim().split('\n').at(-1) ?? ''
  const echo = lastLine.split(/\s+/).filter(Boolean).slice(0, 12).join(' ')
  const text = echo
    ? `This is the IOChain mock model. You said: ${echo}`
    : 'This is the IOChain mock model.'
  return text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`))
}

/** The tokens repeated or cut to exactly `length`; unchanged when no length is given. */
export function repeatTokens(tokens: string[], length: number | undefined): string[] {
  if (length === undefined || tokens.length === 0) return tokens
  return Array.from({ length }, (_, i) => {
    const token = tokens[i % tokens.length]!
    return i > 0 && i % tokens.length === 0 ? ` ${token.trimStart()}` : token
  })
}

/** How many tokens to produce, honouring `max_tokens` / `max_completion_tokens`. */
export function tokenBudget(body: Record<string, unknown>, available: number): number {
  const cap = body.max_completion_tokens ?? body.max_tokens
  return typeof cap === 'number' && cap >= 0 ? Math.min(cap, available) : available
}

/** A unit vector derived from the input's hash: same input, same embedding. */
export function embed(input: string, dimensions: number): number[] {
  const values: number[] = []
  let block = createHash('sha256').update(input).digest()
  while (values.length < dimensions) {
    for (let i = 0; i + 1 < block.length && values.length < dimensions; i += 2) {
      values.push(block.readInt16BE(i) / 32768)
    }
    block = createHash('sha256').update(block).digest()
  }
  const norm = Math.hypot(...values) || 1
  return values.map((v) => Math.round((v / norm) * 1e6) / 1e6)
}
