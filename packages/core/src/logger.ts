import { pino } from 'pino'
import { CREDENTIAL_HEADERS } from './context.ts'

type LogFn = (obj: object | string, msg?: string) => void

/** The subset of pino's interface that IOChain logs through; any pino logger satisfies it. */
export interface Logger {
  fatal: LogFn
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
  child(bindings: Record<string, unknown>): Logger
}

export interface LoggerOptions {
  level?: string
  /** A file descriptor or path; stdout unless given. */
  destination?: number | string
  /** Where the JSON lines go instead of `destination`, such as a pretty-printing stream. */
  stream?: NodeJS.WritableStream
}

/** A pino logger writing JSON lines; headers that carry credentials are redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination =
    options.stream ?? pino.destination({ dest: options.destination ?? 1, sync: false })
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: {
        // Known shortcoming: headers logged deeper than one level down are not redacted.
        paths: [
          ...CREDENTIAL_HEADERS.map((name) => `headers["${name}"]`),
          ...CREDENTIAL_HEADERS.map((name) => `*.headers["${name}"]`),
          'apiKey',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  )
}

/** A logger that drops everything, for embedding and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
