import type { Logger } from '../logger.ts'
import type { RelayedLog } from './messages.ts'
import { cloneableEntries } from './snapshot.ts'

type Level = RelayedLog['level']
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace']
// Records wait for the next task to carry them; a thread that logs with no task in sight keeps
// only the latest ones.
const MAX_RECORDS = 1000

/**
 * A logger for filters in a worker thread. Records are kept until the next task result carries
 * them to the main thread, where the operator's logger writes them; threads never print.
 */
export class RelayLogger implements Logger {
  readonly #records: RelayedLog[]
  readonly #bindings: Record<string, unknown>
  declare fatal: Logger['fatal']
  declare error: Logger['error']
  declare warn: Logger['warn']
  declare info: Logger['info']
  declare debug: Logger['debug']
  declare trace: Logger['trace']

  constructor(records: RelayedLog[] = [], bindings: Record<string, unknown> = {}) {
    this.#records = records
    this.#bindings = bindings
    for (const level of LEVELS) {
      this[level] = (obj, msg) => this.#record(level, obj, msg)
    }
  }

  child(bindings: Record<string, unknown>): Logger {
    // Bindings ride along with every record; one that cannot be cloned would sink the task.
    const { values } = cloneableEntries({ ...bindings })
    return new RelayLogger(this.#records, { ...this.#bindings, ...values })
  }

  /** Hands over the records written since the last call. */
  take(): RelayedLog[] {
    return this.#records.splice(0)
  }

  #record(level: Level, obj: object | string, msg?: string): void {
    // An error object loses its message and stack in a clone; keep them as plain fields.
    const plain =
      obj instanceof Error
        ? { err: { name: obj.name, message: obj.message, stack: obj.stack } }
        : obj
    // A record that cannot be cloned would sink the whole task result, so coerce what is odd.
    const value =
      typeof plain === 'object' && plain !== null
        ? cloneableEntries(plain as Record<string, unknown>).values
        : String(plain)
    if (this.#records.length >= MAX_RECORDS) this.#records.shift()
    this.#records.push({
      level,
      bindings: this.#bindings,
      obj: value,
      msg: msg === undefined ? undefined : String(msg),
    })
  }
}

/** Writes relayed records through the main thread's logger. */
export function replayLogs(logger: Logger, logs: readonly RelayedLog[]): void {
  for (const log of logs) {
    const target = Object.keys(log.bindings).length > 0 ? logger.child(log.bindings) : logger
    if (typeof log.obj === 'string') target[log.level](log.obj)
    else target[log.level]((log.obj ?? {}) as object, log.msg)
  }
}
