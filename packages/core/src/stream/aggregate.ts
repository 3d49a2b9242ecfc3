import type { EventSourceMessage } from 'eventsource-parser'
import type { Usage } from '../context.ts'
import type { Endpoint } from '../filter.ts'
import {
  applyChoice,
  type ChoiceState,
  chatChoice,
  completionChoice,
  isObject,
  newChoice,
} from './choices.ts'
import { ResponsesFold } from './responses.ts'
import type { UnknownField } from './sse-reader.ts'
import { normalizeUsage } from './usage.ts'

type Json = Record<string, unknown>

// Top-level keys of a chunk kept in the aggregate: the first value of these...
const HEAD_KEYS = ['id', 'created', 'model', 'system_fingerprint', 'service_tier']
// ...and the last value of these (llama.cpp sends its `timings` with the final chunk).
const TAIL_KEYS = ['timings']

/**
 * Folds stream events into the body the same request would have had without streaming:
 * per-choice text, reasoning, tool calls joined by index, finish reasons, logprobs and usage
 * for chat and completions; the final response object for the Responses API.
 *
 * Every event is applied where it belongs, whatever arrived before it, so the aggregate of a
 * stream does not depend on how its bytes were split into reads.
 */
export class StreamAggregator {
  readonly endpoint: Endpoint
  /** Saw `[DONE]` or a terminal Responses event. */
  done = false
  /** The payload of an error event inside the stream, if one came. */
  error: unknown = null
  /** Data events seen, `[DONE]` excluded. */
  events = 0
  #firstToken = false
  readonly #head: Json = {}
  #usage: Usage | null = null
  readonly #choices = new Map<number, ChoiceState>()
  readonly #responses: ResponsesFold | null

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint
    this.#responses = endpoint === 'responses' ? new ResponsesFold() : null
  }

  /** Applies one event; returns true when it carried the stream's first token. */
  push(event: EventSourceMessage): boolean {
    if (event.data === '[DONE]') {
      this.done = true
      return false
    }
    let payload: unknown
    try {
      payload = JSON.parse(event.data)
    } catch {
      return false
    }
    if (!isObject(payload)) return false
    this.events++
    const token = this.#responses
      ? this.#pushResponses(event.event, payload)
      : this.#pushChunk(event.event, payload)
    if (!token || this.#firstToken) return false
    this.#firstToken = true
    return true
  }

  /** An unknown SSE field: older llama.cpp builds report a failure as an `error:` line. */
  pushUnknownField(field: UnknownField): void {
    if (field.field !== 'error') return
    try {
      this.error = JSON.parse(field.value)
    } catch {
      this.error = field.value
    }
  }

  get usage(): Usage | null {
    return this.#responses ? this.#responses.usage : this.#usage
  }

  /** The aggregate in the shape of the non-streaming response body. */
  result(): Json {
    if (this.#responses) return this.#responses.result()
    const chat = this.endpoint === 'chat.completions'
    const choices = [...this.#choices.values()].sort((a, b) => a.index - b.index)
    return {
      ...this.#head,
      object: chat ? 'chat.completion' : 'text_completion',
      choices: choices.map((c) => (chat ? chatChoice(c) : completionChoice(c))),
      usage: this.#usage,
    }
  }

  // --- internal ---

  #pushResponses(name: string | undefined, payload: Json): boolean {
    const fold = this.#responses as ResponsesFold
    const type = typeof payload.type === 'string' ? payload.type : name
    const token = fold.push(type, payload)
    if (fold.done) this.done = true
    if (fold.error !== null) this.error = fold.error
    return token
  }

  #pushChunk(name: string | undefined, chunk: Json): boolean {
    // As the OpenAI SDK reads it: an `error` event, or any data whose `error` is set.
    if (name === 'error' || (chunk.error !== undefined && chunk.error !== null)) {
      this.error = chunk.error ?? chunk
    }
    for (const key of HEAD_KEYS) {
      if (this.#head[key] === undefined && chunk[key] != null) this.#head[key] = chunk[key]
    }
    for (const key of TAIL_KEYS) if (chunk[key] != null) this.#head[key] = chunk[key]
    // Usage may come on every chunk (Ollama completions): the last one counts, never a sum.
    const usage = normalizeUsage(chunk.usage)
    if (usage) this.#usage = usage
    let token = false
    const choices = Array.isArray(chunk.choices) ? chunk.choices : []
    for (const raw of choices) {
      if (isObject(raw) && applyChoice(this.#choice(raw.index), raw)) token = true
    }
    return token
  }

  #choice(index: unknown): ChoiceState {
    const at = typeof index === 'number' ? index : 0
    let choice = this.#choices.get(at)
    if (!choice) {
      choice = newChoice(at)
      this.#choices.set(at, choice)
    }
    return choice
  }
}
