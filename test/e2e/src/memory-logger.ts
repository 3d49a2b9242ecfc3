import type { Logger } from '@iochain/core'

export interface LogEntry {
  level: string
  msg: string
  bindings: Record<string, unknown>
}

/** A logger that keeps every entry in `entries`, for tests that check what was logged. */
export function createMemoryLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { entries: LogEntry[] } {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      const text = typeof obj === 'string' ? obj : (msg ?? '')
      const fields = typeof obj === 'string' ? {} : obj
      entries.push({ level, msg: text, bindings: { ...bindings, ...fields } })
    }
  return {
    entries,
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    child: (more) => createMemoryLogger(entries, { ...bindings, ...more }),
  }
}
