import type { FilterInit, IOContext, IOFilter, Logger } from '@iochain/core'
import { sharedCounter } from '../_shared-metrics.ts'
import { requestTexts, responseTexts } from '../_text.ts'
import { countPii, PII_TYPES, type PiiType } from './patterns.ts'

export interface PiiScannerOptions {
  /** The kinds to look for; all unless given. */
  types?: PiiType[]
  /** Scan the model's answer too; `true` unless given. */
  responses?: boolean
}

/** What the scanner leaves in `ctx.metadata.pii`: counts by type, never the values. */
export interface PiiFindings {
  request?: Partial<Record<PiiType, number>>
  response?: Partial<Record<PiiType, number>>
}

/**
 * Counts personal data in requests and responses by type, into `ctx.metadata.pii`, the
 * `iochain_pii_detections_total` metric and an info log line per finding. Never logs or stores a
 * matched value.
 *
 * Worker-ready: it reads only plain fields of the context and keeps no per-request state, so it
 * runs the same on a structured-clone snapshot inside a worker thread (where the log line is
 * what reaches the main thread).
 */
export class PiiScanner implements IOFilter {
  static readonly description = 'Counts personal data in requests and responses'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      types: {
        type: 'array',
        items: { enum: ['email', 'phone', 'card', 'iban', 'ssn', 'ip'] },
        uniqueItems: true,
        description: 'kinds of personal data to look for; all unless given',
      },
      responses: { type: 'boolean', description: "also scan the model's answers (default true)" },
    },
  } as const

  readonly name: string
  readonly blocking = false
  readonly #types: readonly PiiType[]
  readonly #responses: boolean
  readonly #logger: Logger | undefined
  readonly #detections = sharedCounter(
    'iochain_pii_detections_total',
    'Personal data found by PiiScanner, by type and by where it was found',
    ['type', 'part'],
  )

  constructor(options: PiiScannerOptions = {}, init?: FilterInit) {
    this.name = init?.name ?? 'PiiScanner'
    this.#types = options.types ?? PII_TYPES
    this.#responses = options.responses ?? true
    this.#logger = init?.logger
  }

  onRequest(ctx: IOContext): void {
    this.#record(ctx, 'request', countPii(requestTexts(ctx.request), this.#types))
  }

  onResponse(ctx: IOContext): void {
    if (!this.#responses || !ctx.response) return
    this.#record(ctx, 'response', countPii(responseTexts(ctx.response.body), this.#types))
  }

  #record(ctx: IOContext, part: keyof PiiFindings, counts: Partial<Record<PiiType, number>>) {
    const findings = (ctx.metadata.pii as PiiFindings | undefined) ?? {}
    findings[part] = counts
    ctx.metadata.pii = findings
    const found = Object.entries(counts)
    for (const [type, n] of found) this.#detections.inc({ type, part }, n)
    if (found.length > 0) {
      this.#logger?.info({ requestId: ctx.requestId, part, counts }, 'personal data found')
    }
  }
}
