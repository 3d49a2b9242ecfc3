import { type IOContext, type IOFilter, IOFilterReject } from '@iochain/core'

export interface ModelPolicyOptions {
  /** Model names allowed; `llama-*` allows by prefix. Every model when absent. */
  allow?: string[]
  /** The largest `max_tokens` a request may ask for; 4096 unless given. */
  maxTokens?: number
}

/** Refuses models outside an allow-list and `max_tokens` above a cap. */
export class ModelPolicy implements IOFilter {
  static readonly description = 'Refuses models outside an allow-list and max_tokens above a cap'

  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      allow: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'allowed models; a trailing * matches by prefix',
      },
      maxTokens: { type: 'integer', minimum: 1, description: 'largest max_tokens allowed' },
    },
  }

  readonly #allow: string[] | undefined
  readonly #maxTokens: number

  constructor(options: ModelPolicyOptions = {}) {
    this.#allow = options.allow
    this.#maxTokens = options.maxTokens ?? 4096
  }

  onRequest(ctx: IOContext): void {
    if (this.#allow && !this.#allow.some((pattern) => matches(pattern, ctx.model))) {
      throw new IOFilterReject(`The model \`${ctx.model}\` is not allowed here.`, {
        status: 403,
        code: 'model_not_allowed',
        param: 'model',
      })
    }
    const asked = ctx.request.max_tokens ?? ctx.request.max_completion_tokens
    if (typeof asked === 'number' && asked > this.#maxTokens) {
      throw new IOFilterReject(`max_tokens may be at most ${this.#maxTokens}.`, {
        status: 400,
        code: 'max_tokens_too_large',
        param: 'max_tokens',
      })
    }
    ctx.metadata.modelPolicy = 'allowed'
  }
}

function matches(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model
}
