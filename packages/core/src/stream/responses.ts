import type { Usage } from '../context.ts'
import { isObject } from './choices.ts'
import { normalizeUsage } from './usage.ts'

type Json = Record<string, unknown>

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])
const TOKEN_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
])

/**
 * Folds the named events of a Responses API stream. The terminal event carries the whole
 * response; until it comes, the latest snapshot is completed with the output items built from
 * the deltas, so a cut stream still shows what was generated.
 */
export class ResponsesFold {
  /** Saw `response.completed`, `response.incomplete` or `response.failed`. */
  done = false
  error: unknown = null
  usage: Usage | null = null
  #snapshot: Json | null = null
  #final: Json | null = null
  readonly #items: Json[] = []

  /** Applies one event; returns true when it carried generated output. */
  push(type: string | undefined, payload: Json): boolean {
    const response = isObject(payload.response) ? payload.response : undefined
    if (response) this.#snapshot = response
    if (type !== undefined && TERMINAL.has(type) && response) {
      this.done = true
      this.#final = response
      this.usage = normalizeUsage(response.usage)
    }
    if (type === 'response.failed') this.error = response?.error ?? payload
    if (type === 'error') this.error = isObject(payload.error) ? payload.error : payload
    this.#applyOutput(type, payload)
    return (
      type !== undefined &&
      TOKEN_DELTAS.has(type) &&
      typeof payload.delta === 'string' &&
      payload.delta !== ''
    )
  }

  result(): Json {
    if (this.#final) return this.#final
    const output = this.#items.filter((item) => item !== undefined)
    return { ...(this.#snapshot ?? {}), output }
  }

  #applyOutput(type: string | undefined, p: Json): void {
    const at = typeof p.output_index === 'number' ? p.output_index : -1
    if (at < 0) return
    switch (type) {
      case 'response.output_item.added':
      case 'response.output_item.done':
        if (isObject(p.item)) this.#items[at] = structuredClone(p.item)
        return
      case 'response.content_part.added':
        if (isObject(p.part)) this.#part(at, 'content', p.content_index, p.part)
        return
      case 'response.reasoning_summary_part.added':
        if (isObject(p.part)) this.#part(at, 'summary', p.summary_index, p.part)
        return
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.reasoning_text.delta':
        this.#appendTo(this.#part(at, 'content', p.content_index), deltaKey(type), p.delta)
        return
      case 'response.reasoning_summary_text.delta':
        this.#appendTo(this.#part(at, 'summary', p.summary_index), 'text', p.delta)
        return
      case 'response.function_call_arguments.delta':
        this.#appendTo(this.#item(at), 'arguments', p.delta)
        return
    }
  }

  #item(at: number): Json {
    this.#items[at] ??= {}
    return this.#items[at]
  }

  // The part at `index` of an item's `content` or `summary` list, created when missing.
  #part(at: number, list: 'content' | 'summary', index: unknown, part?: Json): Json {
    const item = this.#item(at)
    if (!Array.isArray(item[list])) item[list] = []
    const parts = item[list] as Json[]
    const i = typeof index === 'number' ? index : parts.length
    if (part) parts[i] = structuredClone(part)
    parts[i] ??= {}
    return parts[i]
  }

  #appendTo(target: Json, key: string, delta: unknown): void {
    if (typeof delta !== 'string') return
    target[key] = (typeof target[key] === 'string' ? target[key] : '') + delta
  }
}

function deltaKey(type: string): string {
  return type === 'response.refusal.delta' ? 'refusal' : 'text'
}
