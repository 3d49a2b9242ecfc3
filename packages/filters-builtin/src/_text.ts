import type { IOContext } from '@iochain/core'

/** The text a client sent: chat message contents, a completion prompt or embedding input. */
export function requestTexts(request: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = []
  const messages = request.messages
  if (Array.isArray(messages)) {
    for (const message of messages) collectContent(out, (message as { content?: unknown })?.content)
  }
  collectStrings(out, request.prompt)
  collectStrings(out, request.input)
  return out
}

/** The text a model produced: every choice's message content or completion text. */
export function responseTexts(body: unknown): string[] {
  const out: string[] = []
  const choices = (body as { choices?: unknown } | null)?.choices
  if (!Array.isArray(choices)) return out
  for (const choice of choices) {
    const c = choice as { message?: { content?: unknown }; text?: unknown } | null
    collectContent(out, c?.message?.content)
    collectStrings(out, c?.text)
  }
  return out
}

/** Prompt and completion text of a finished request, for counting or recording. */
export function contextTexts(ctx: IOContext): { prompt: string[]; completion: string[] } {
  return { prompt: requestTexts(ctx.request), completion: responseTexts(ctx.response?.body) }
}

// A content is a string or an array of parts, of which the `text` ones carry text.
function collectContent(out: string[], content: unknown): void {
  if (typeof content === 'string') {
    out.push(content)
    return
  }
  if (!Array.isArray(content)) return
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text
    if (typeof text === 'string') out.push(text)
  }
}

function collectStrings(out: string[], value: unknown): void {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') out.push(v)
}
