import type { Endpoint, IOContext, Usage } from '@iochain/core'

/** A request body as an OpenAI client sends it to `endpoint`. */
export function defaultRequest(
  endpoint: Endpoint,
  model: string | undefined,
  text: string,
  stream: boolean,
): Record<string, unknown> {
  const streaming = stream ? { stream: true, stream_options: { include_usage: true } } : {}
  switch (endpoint) {
    case 'embeddings':
      return { model: model ?? 'mock-embedding', input: text }
    case 'completions':
      return { model: model ?? 'mock-model', prompt: text, max_tokens: 64, ...streaming }
    case 'responses':
      return { model: model ?? 'mock-model', input: text, ...(stream ? { stream: true } : {}) }
    default:
      return {
        model: model ?? 'mock-model',
        messages: [{ role: 'user', content: text }],
        max_tokens: 64,
        ...streaming,
      }
  }
}

// Shortcoming: usage counts words, not a model's tokens; tests should not expect real counts.
/** Whitespace-separated words, at least one per non-empty text: close enough for usage. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length
}

export function usageFor(ctx: IOContext, reply: string): Usage {
  const asked = ctx.request.messages ?? ctx.request.prompt ?? ctx.request.input ?? ''
  const prompt = countWords(typeof asked === 'string' ? asked : JSON.stringify(asked))
  const completion = ctx.endpoint === 'embeddings' ? 0 : countWords(reply)
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  }
  return usage
}

/** The response body in the non-streaming shape (a stream's aggregate has the same shape). */
export function defaultResponseBody(
  ctx: IOContext,
  reply: string,
  finished: boolean,
  usage: Usage,
): unknown {
  const created = Math.floor(ctx.timings.receivedAt / 1000)
  const finish = finished ? 'stop' : null
  switch (ctx.endpoint) {
    case 'embeddings':
      return {
        object: 'list',
        model: ctx.model,
        data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125, 1] }],
        usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens },
      }
    case 'responses':
      return {
        id: 'resp-test',
        object: 'response',
        created_at: created,
        model: ctx.model,
        status: finished ? 'completed' : 'incomplete',
        output: [
          {
            type: 'message',
            role: 'assistant',
            content: [{ type: 'output_text', text: reply, annotations: [] }],
          },
        ],
        usage: {
          input_tokens: usage.prompt_tokens,
          output_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
        },
      }
    case 'completions':
      return {
        id: 'cmpl-test',
        object: 'text_completion',
        created,
        model: ctx.model,
        choices: [{ index: 0, text: reply, logprobs: null, finish_reason: finish }],
        usage,
      }
    default:
      return {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created,
        model: ctx.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        usage,
      }
  }
}
