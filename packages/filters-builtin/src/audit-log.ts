import path from 'node:path'
import type { FilterInit, IOContext, IOFilter, Logger } from '@iochain/core'
import { createStream, type Options, type RotatingFileStream } from 'rotating-file-stream'
import { sharedCounter } from './_shared-metrics.ts'
import { contextTexts } from './_text.ts'
import { redactPii } from './pii/patterns.ts'

export interface AuditLogOptions {
  /** The audit file, relative to the config's folder; rotated files sit next to it. */
  file: string
  /** Rotate when the file reaches this size: `10M`, `1G`, ... */
  size?: string
  /** Rotate on this interval: `1d` (daily), `12h`, ... */
  interval?: string
  /** Rotated files to keep; all unless given. */
  maxFiles?: number
  /** Gzip rotated files. */
  compress?: boolean
  /** Record the prompt text, with personal data redacted. */
  includePrompt?: boolean
  /** Record the completion text, with personal data redacted. */
  includeCompletion?: boolean
  /** Bytes that may wait for the disk; beyond this, records are dropped and counted. 8 MiB. */
  maxPendingBytes?: number
  /** The `ctx.metadata` field holding the caller's identity; `identity` unless given. */
  identityKey?: string
}

/** One line of the audit file. */
export interface AuditRecord {
  id: string
  time: string
  identity: string | null
  client: string
  endpoint: string
  model: string
  stream: boolean
  outcome: string
  status: number | null
  rejectedBy: string | null
  code: string | null
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null
  latencyMs: number
  ttftMs: number | null
  prompt?: string[]
  completion?: string[]
}

const DEFAULT_PENDING_BYTES = 8 * 1024 * 1024

/**
 * One JSON line per request, to a file rotated by size or by time. Runs in the background. A
 * record is never lost silently: when the disk falls behind by more than `maxPendingBytes`, new
 * records are dropped and counted (`droppedRecords`, metric `iochain_audit_dropped_total`), and
 * `close()` resolves once everything accepted is on disk.
 */
export class AuditLog implements IOFilter {
  static readonly description = 'One JSON line per request, to a file rotated by size or time'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', minLength: 1 },
      size: { type: 'string', pattern: '^[0-9]+[BKMG]$' },
      interval: { type: 'string', pattern: '^[0-9]+[Mdhms]$' },
      maxFiles: { type: 'integer', minimum: 1 },
      compress: { type: 'boolean' },
      includePrompt: { type: 'boolean' },
      includeCompletion: { type: 'boolean' },
      maxPendingBytes: { type: 'integer', minimum: 1024 },
      identityKey: { type: 'string', minLength: 1 },
    },
  } as const

  readonly name: string
  readonly blocking = false
  readonly #stream: RotatingFileStream
  readonly #options: AuditLogOptions
  readonly #logger: Logger
  readonly #maxPending: number
  readonly #dropped = sharedCounter(
    'iochain_audit_dropped_total',
    'Audit records dropped because the audit file could not keep up or failed',
    ['filter'],
  )
  #droppedRecords = 0
  #failed = false

  constructor(options: AuditLogOptions, init: FilterInit) {
    this.name = init.name
    this.#logger = init.logger
    this.#options = options
    this.#maxPending = options.maxPendingBytes ?? DEFAULT_PENDING_BYTES
    const file = path.resolve(init.baseDir, options.file)
    this.#stream = createStream(path.basename(file), rotationOptions(file, options))
    this.#stream.on('error', (err) => {
      this.#failed = true
      this.#logger.error({ err }, 'audit file failed: further records are dropped and counted')
    })
    this.#stream.on('warning', (err) => this.#logger.warn({ err }, 'audit file rotation warning'))
  }

  /** Records dropped since start. */
  get droppedRecords(): number {
    return this.#droppedRecords
  }

  onResponse(ctx: IOContext): void {
    if (this.#failed || this.#stream.writableLength > this.#maxPending) {
      this.#drop()
      return
    }
    this.#stream.write(`${JSON.stringify(this.#record(ctx))}\n`)
  }

  /** Resolves once every accepted record is written and the file is closed. */
  close(): Promise<void> {
    if (this.#stream.writableFinished || this.#stream.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.#stream.once('close', resolve)
      this.#stream.once('error', () => resolve())
      this.#stream.end()
    })
  }

  #drop(): void {
    this.#droppedRecords++
    this.#dropped.inc({ filter: this.name })
    // The first drop and every thousandth are logged, so pressure cannot flood the log.
    if (this.#droppedRecords % 1000 === 1) {
      this.#logger.warn({ dropped: this.#droppedRecords }, 'audit records are being dropped')
    }
  }

  #record(ctx: IOContext): AuditRecord {
    const { timings, outcome, usage } = ctx
    const finishedAt = timings.finishedAt ?? Date.now()
    const identity = ctx.metadata[this.#options.identityKey ?? 'identity']
    const record: AuditRecord = {
      id: ctx.requestId,
      time: new Date(timings.receivedAt).toISOString(),
      identity: typeof identity === 'string' ? identity : null,
      client: ctx.client.address,
      endpoint: ctx.endpoint,
      model: ctx.model,
      stream: ctx.stream,
      outcome: outcome.kind,
      status: ctx.response?.status ?? outcome.status ?? null,
      rejectedBy: outcome.kind === 'rejected' ? (outcome.filter ?? null) : null,
      code: outcome.code ?? null,
      usage: usage
        ? {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total_tokens,
          }
        : null,
      latencyMs: finishedAt - timings.receivedAt,
      ttftMs: timings.firstTokenAt ? timings.firstTokenAt - timings.receivedAt : null,
    }
    if (this.#options.includePrompt || this.#options.includeCompletion) {
      const texts = contextTexts(ctx)
      if (this.#options.includePrompt) record.prompt = texts.prompt.map((t) => redactPii(t))
      if (this.#options.includeCompletion) {
        record.completion = texts.completion.map((t) => redactPii(t))
      }
    }
    return record
  }
}

// rotating-file-stream refuses keys that are present but undefined.
function rotationOptions(file: string, options: AuditLogOptions): Options {
  const out: Options = { path: path.dirname(file) }
  if (options.size) out.size = options.size
  if (options.interval) out.interval = options.interval
  if (options.maxFiles) out.maxFiles = options.maxFiles
  if (options.compress) out.compress = 'gzip'
  return out
}
