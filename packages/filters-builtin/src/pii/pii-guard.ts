import { type FilterInit, type IOContext, type IOFilter, IOFilterReject } from '@iochain/core'
import { requestTexts } from '../_text.ts'
import { countPii, PII_TYPES, type PiiType } from './patterns.ts'

export interface PiiGuardOptions {
  /** The kinds that make a request refused; all unless given. */
  types?: PiiType[]
}

/**
 * Refuses a request whose messages contain personal data, with a 400 that names the kinds
 * found (never the values).
 */
export class PiiGuard implements IOFilter {
  static readonly description = 'Refuses requests that contain personal data'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      types: {
        type: 'array',
        items: { enum: ['email', 'phone', 'card', 'iban', 'ssn', 'ip'] },
        uniqueItems: true,
        description: 'kinds of personal data that make a request refused; all unless given',
      },
    },
  } as const

  readonly name: string
  readonly #types: readonly PiiType[]

  constructor(options: PiiGuardOptions = {}, init?: FilterInit) {
    this.name = init?.name ?? 'PiiGuard'
    this.#types = options.types ?? PII_TYPES
  }

  onRequest(ctx: IOContext): void {
    const found = Object.keys(countPii(requestTexts(ctx.request), this.#types))
    if (found.length === 0) return
    throw new IOFilterReject(
      `The request contains personal data (${found.join(', ')}); remove it and try again.`,
      { status: 400, code: 'pii_detected', param: paramOf(ctx) },
    )
  }
}

function paramOf(ctx: IOContext): string {
  if (ctx.endpoint === 'chat.completions') return 'messages'
  if (ctx.endpoint === 'completions') return 'prompt'
  return 'input'
}
