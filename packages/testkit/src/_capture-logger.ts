import type { HookName, Logger } from '@iochain/core'

/** A hook failure the chain reported: the filter, the hook and what it threw. */
export interface HookError {
  filter: string
  hook: HookName | 'close'
  error: unknown
  /** The hook ran in the background; its failure never reached the client. */
  background: boolean
  timedOut: boolean
}

/**
 * A logger for the real `IOChain` that keeps the failures it reports, so a run can show them
 * to the test instead of a log.
 */
export function createCaptureLogger(errors: HookError[], warnings: string[] = []): Logger {
  const keep = (obj: object | string, msg?: string) => {
    if (typeof obj !== 'object' || obj === null) return
    const entry = obj as { err?: unknown; filter?: unknown; hook?: unknown }
    if (typeof entry.filter !== 'string') return
    errors.push({
      filter: entry.filter,
      hook: (typeof entry.hook === 'string' ? entry.hook : 'close') as HookError['hook'],
      error: entry.err,
      background: msg?.startsWith('background') ?? false,
      timedOut: msg?.includes('timed out') ?? false,
    })
  }
  const ignore = () => {}
  const warn = (obj: object | string, msg?: string) => {
    const text = typeof obj === 'string' ? obj : (msg ?? '')
    const keys = (obj as { keys?: unknown }).keys
    warnings.push(Array.isArray(keys) ? `${text} (${keys.join(', ')})` : text)
  }
  const logger: Logger = {
    fatal: keep,
    error: keep,
    warn,
    info: ignore,
    debug: ignore,
    trace: ignore,
    child: () => logger,
  }
  return logger
}
