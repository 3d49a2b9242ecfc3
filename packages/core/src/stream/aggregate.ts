import type { EventSourceMessage } from 'eventsource-parser'
import type { Usage } from '../context.ts'
import type { Endpoint } from '../filter.ts'

interface ToolCallState {
  index: number
  id: string | null
  type: string | null
  function: { name: string | null; arguments: string }
}

interface ChoiceState {
  index: number
  role: string | null
  content: string | null
  reasoning: string | null
  refusal: string | null
  toolCalls: Map<number, ToolCallState>
  finishReason: string | null
  logprobs: unknown[] | null
  extras: Record<string, unknown>
}

type Json = Record<string, unknown>

const CHOICE_EXTRAS = ['matched_stop', 'stop_reason']

/**
 * Folds stream events into the body the same request would have had without streaming:
 * per-choice text, reasoning, tool calls joined by index, finish reasons and usage.
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
  #head: Json = {}
  #usage: Usage | null = null
  #choices = new Map<number, ChoiceState>()
  #response: Json | null = null

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint
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
    if (typeof payload !== 'object' || payload === null) return false
    this.events++
    if (this.endpoint === 'responses') return this.#pushResponses(event.event, payload as Json)
    if ('error' in payload && !('choices' in payload)) {
      this.error = (payload as Json).error
      return false
    }
    return this.#pushChunk(payload as Json)
  }

  get usage(): Usage | null {
    return this.#usage
  }

  /** The aggregate in the shape of the non-streaming response body. */
  result(): Json {
    if (this.endpoint === 'responses') return this.#response ?? {}
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

  #pushChunk(chunk: Json): boolean {
    for (const key of ['id', 'created', 'model', 'system_fingerprint', 'service_tier']) {
      if (this.#head[key] === undefined && chunk[key] !== undefined) this.#head[key] = chunk[key]
    }
    if (isUsage(chunk.usage)) this.#usage = chunk.usage
    const choices = Array.isArray(chunk.choices) ? chunk.choices : []
    let token = false
    for (const raw of choices) {
      if (typeof raw !== 'object' || raw === null) continue
      if (this.#applyChoice(raw as Json)) token = true
    }
    if (token && !this.#firstToken) {
      this.#firstToken = true
      return true
    }
    return false
  }

  #applyChoice(raw: Json): boolean {
    const index = typeof raw.index === 'number' ? raw.index : 0
    let choice = this.#choices.get(index)
    if (!choice) {
      choice = newChoice(index)
      this.#choices.set(index, choice)
    }
    let token = false
    const delta = (raw.delta ?? null) as Json | null
    if (delta && typeof delta === 'object') token = applyDelta(choice, delta)
    if (typeof raw.text === 'string') {
      choice.content = (choice.content ?? '') + raw.text
      if (raw.text !== '') token = true
    }
    const logprobs = raw.logprobs as Json | null | undefined
    if (logprobs && typeof logprobs === 'object') {
      const content = Array.isArray(logprobs.content) ? logprobs.content : [logprobs]
      choice.logprobs = [...(choice.logprobs ?? []), ...content]
    }
    if (typeof raw.finish_reason === 'string') {
      choice.finishReason = raw.finish_reason
      for (const key of CHOICE_EXTRAS) if (key in raw) choice.extras[key] = raw[key]
    }
    return token
  }

  #pushResponses(name: string | undefined, payload: Json): boolean {
    const type = typeof payload.type === 'string' ? payload.type : name
    const response = payload.response as Json | undefined
    if (response && typeof response === 'object') this.#response = response
    if (type === 'response.completed' || type === 'response.incomplete') {
      this.done = true
      if (response && isUsage(response.usage)) this.#usage = response.usage
    }
    if (type === 'response.failed' || type === 'error') {
      this.error = (response?.error ?? payload.error ?? payload) as unknown
    }
    if (
      (type === 'response.output_text.delta' || type === 'response.reasoning_text.delta') &&
      !this.#firstToken
    ) {
      this.#firstToken = true
      return true
    }
    return false
  }
}

// --- internal ---

function newChoice(index: number): ChoiceState {
  return {
    index,
    role: null,
    content: null,
    reasoning: null,
    refusal: null,
    toolCalls: new Map(),
    finishReason: null,
    logprobs: null,
    extras: {},
  }
}

function applyDelta(choice: ChoiceState, delta: Json): boolean {
  let token = false
  if (typeof delta.role === 'string') choice.role ??= delta.role
  if (typeof delta.content === 'string') {
    choice.content = (choice.content ?? '') + delta.content
    if (delta.content !== '') token = true
  }
  const reasoning =
    typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning
  if (typeof reasoning === 'string') {
    choice.reasoning = (choice.reasoning ?? '') + reasoning
    if (reasoning !== '') token = true
  }
  if (typeof delta.refusal === 'string') choice.refusal = (choice.refusal ?? '') + delta.refusal
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls) {
      if (typeof call === 'object' && call !== null) applyToolCall(choice, call as Json)
    }
    token = true
  }
  return token
}

// Later fragments may repeat `id`/`name` as null; only the first non-null value counts.
function applyToolCall(choice: ChoiceState, call: Json): void {
  const index = typeof call.index === 'number' ? call.index : choice.toolCalls.size
  let state = choice.toolCalls.get(index)
  if (!state) {
    state = { index, id: null, type: null, function: { name: null, arguments: '' } }
    choice.toolCalls.set(index, state)
  }
  if (typeof call.id === 'string') state.id ??= call.id
  if (typeof call.type === 'string') state.type ??= call.type
  const fn = call.function as Json | undefined
  if (fn && typeof fn === 'object') {
    if (typeof fn.name === 'string') state.function.name ??= fn.name
    if (typeof fn.arguments === 'string') state.function.arguments += fn.arguments
  }
}

function chatChoice(c: ChoiceState): Json {
  const message: Json = { role: c.role ?? 'assistant', content: c.content }
  if (c.reasoning !== null) message.reasoning_content = c.reasoning
  if (c.refusal !== null) message.refusal = c.refusal
  if (c.toolCalls.size > 0) {
    message.tool_calls = [...c.toolCalls.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ id, type, function: fn }) => ({ id, type: type ?? 'function', function: fn }))
  }
  return {
    index: c.index,
    message,
    logprobs: c.logprobs ? { content: c.logprobs } : null,
    finish_reason: c.finishReason,
    ...c.extras,
  }
}

function completionChoice(c: ChoiceState): Json {
  return {
    index: c.index,
    text: c.content ?? '',
    logprobs: c.logprobs ? (c.logprobs[0] ?? null) : null,
    finish_reason: c.finishReason,
    ...c.extras,
  }
}

function isUsage(value: unknown): value is Usage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Usage).prompt_tokens === 'number'
  )
}
