import path from 'node:path'
import type { FilterInit, IOContext, IOFilter } from '@iochain/core'
import { type Logger as PinoLogger, pino } from 'pino'

export interface RequestLoggerOptions {
  /** `stdout` (default), `stderr`, or a file path (relative to the config's folder). */
  destination?: string
}

type Destination = ReturnType<typeof pino.destination>

/**
 * Writes one JSON line per finished request: id, endpoint, model, status, outcome, latency,
 * time to first token and usage. Runs in the background; never logs bodies or headers.
 */
export class RequestLogger implements IOFilter {
  static readonly description = 'One log line per finished request'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      destination: { type: 'string', minLength: 1, description: 'stdout, stderr or a file path' },
    },
  } as const

  readonly name: string = 'RequestLogger'
  readonly blocking = false
  readonly #destination: Destination
  readonly #log: PinoLogger
  readonly #isStdio: boolean

  constructor(options: RequestLoggerOptions = {}, init?: FilterInit) {
    const destination = options.destination ?? 'stdout'
    this.#isStdio = destination === 'stdout' || destination === 'stderr'
    this.#destination = openDestination(destination, init?.baseDir)
    this.#log = pino({ base: undefined, messageKey: 'msg' }, this.#destination)
  }

  onResponse(ctx: IOContext): void {
    const { timings, outcome } = ctx
    const finishedAt = timings.finishedAt ?? Date.now()
    this.#log.info(
      {
        requestId: ctx.requestId,
        endpoint: ctx.endpoint,
        model: ctx.model,
        stream: ctx.stream,
        status: ctx.response?.status ?? outcome.status ?? null,
        outcome: outcome.kind,
        ...(outcome.filter ? { filter: outcome.filter } : {}),
        ...(outcome.code ? { code: outcome.code } : {}),
        latencyMs: finishedAt - timings.receivedAt,
        ttftMs: timings.firstTokenAt ? timings.firstTokenAt - timings.receivedAt : null,
        usage: ctx.usage
          ? {
              prompt_tokens: ctx.usage.prompt_tokens,
              completion_tokens: ctx.usage.completion_tokens,
              total_tokens: ctx.usage.total_tokens,
            }
          : null,
      },
      'request',
    )
  }

  /** Resolves once every line is on disk (or handed to stdout/stderr, which stay open). */
  close(): Promise<void> {
    if (this.#isStdio) {
      try {
        this.#destination.flushSync()
      } catch {
        // not open yet: nothing was written
      }
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.#destination.once('close', () => resolve())
      this.#destination.once('error', () => resolve())
      this.#destination.end()
    })
  }
}

function openDestination(destination: string, baseDir = process.cwd()): Destination {
  if (destination === 'stdout') return pino.destination({ dest: 1, sync: false })
  if (destination === 'stderr') return pino.destination({ dest: 2, sync: false })
  const file = path.resolve(baseDir, destination)
  return pino.destination({ dest: file, sync: false, mkdir: true })
}
