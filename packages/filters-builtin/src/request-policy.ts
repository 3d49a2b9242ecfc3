import {
  type FilterInit,
  type IOContext,
  type IOFilter,
  IOFilterReject,
  modelMatches,
} from '@iochain/core'
import { requestTexts } from './_text.ts'

export interface RequestPolicyOptions {
  /** Model ids or `prefix-*` patterns; when given, only these are served. */
  allowModels?: string[]
  /** Model ids or `prefix-*` patterns that are never served; checked after `allowModels`. */
  denyModels?: string[]
  /** The largest `max_tokens` / `max_completion_tokens` a request may ask for. */
  maxTokens?: number
  /** Refuse requests that set neither `max_tokens` nor `max_completion_tokens`. */
  requireMaxTokens?: boolean
  /** The most chat messages in one request. */
  maxMessages?: number
  /** The most characters of prompt text (all messages, prompt or input together). */
  maxPromptChars?: number
  /** Request fields that must be absent, such as `logit_bias` or `tools`. */
  forbiddenParams?: string[]
}

const TOKEN_FIELDS = ['max_tokens', 'max_completion_tokens'] as const

/** Refuses requests outside the operator's policy; each violation is a 400 naming the field. */
export class RequestPolicy implements IOFilter {
  static readonly description = 'Model lists, max_tokens cap, prompt limits, forbidden fields'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowModels: { type: 'array', items: { type: 'string', minLength: 1 } },
      denyModels: { type: 'array', items: { type: 'string', minLength: 1 } },
      maxTokens: { type: 'integer', minimum: 1 },
      requireMaxTokens: { type: 'boolean' },
      maxMessages: { type: 'integer', minimum: 1 },
      maxPromptChars: { type: 'integer', minimum: 1 },
      forbiddenParams: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
  } as const

  readonly name: string
  readonly #options: RequestPolicyOptions

  constructor(options: RequestPolicyOptions = {}, init?: FilterInit) {
    this.name = init?.name ?? 'RequestPolicy'
    this.#options = options
  }

  onRequest(ctx: IOContext): void {
    this.#checkModel(ctx.model)
    this.#checkTokens(ctx.request)
    this.#checkPrompt(ctx.request)
    for (const param of this.#options.forbiddenParams ?? []) {
      if (ctx.request[param] !== undefined) {
        reject(`The parameter '${param}' is not allowed here.`, 'parameter_not_allowed', param)
      }
    }
  }

  #checkModel(model: string): void {
    const { allowModels, denyModels } = this.#options
    const allowed = !allowModels || allowModels.some((p) => modelMatches(p, model))
    const denied = denyModels?.some((p) => modelMatches(p, model)) ?? false
    if (!allowed || denied) {
      reject(
        `The model '${model}' is not available through this gateway.`,
        'model_not_allowed',
        'model',
      )
    }
  }

  #checkTokens(request: Readonly<Record<string, unknown>>): void {
    const { maxTokens, requireMaxTokens } = this.#options
    const given = TOKEN_FIELDS.filter((field) => request[field] != null)
    if (requireMaxTokens && given.length === 0) {
      reject('The request must set max_tokens.', 'max_tokens_required', 'max_tokens')
    }
    if (maxTokens === undefined) return
    for (const field of given) {
      const value = request[field]
      // A cap that skipped `"9999"` could be passed by any server that coerces strings.
      if (typeof value !== 'number') {
        const got = Array.isArray(value) ? 'array' : typeof value
        const message = `Invalid type for '${field}': expected an integer, got ${got}.`
        reject(message, 'invalid_type', field)
      }
      if (value > maxTokens) {
        reject(`${field} may be at most ${maxTokens}, got ${value}.`, 'max_tokens_exceeded', field)
      }
    }
  }

  #checkPrompt(request: Readonly<Record<string, unknown>>): void {
    const { maxMessages, maxPromptChars } = this.#options
    const messages = request.messages
    if (maxMessages !== undefined && Array.isArray(messages) && messages.length > maxMessages) {
      reject(
        `A request may have at most ${maxMessages} messages, got ${messages.length}.`,
        'too_many_messages',
        'messages',
      )
    }
    if (maxPromptChars === undefined) return
    const chars = requestTexts(request).reduce((sum, text) => sum + text.length, 0)
    if (chars > maxPromptChars) {
      const param = Array.isArray(messages) ? 'messages' : request.prompt ? 'prompt' : 'input'
      reject(
        `The prompt may be at most ${maxPromptChars} characters, got ${chars}.`,
        'prompt_too_large',
        param,
      )
    }
  }
}

function reject(message: string, code: string, param: string): never {
  throw new IOFilterReject(message, { status: 400, code, param })
}
