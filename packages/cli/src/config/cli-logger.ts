import { type ConfigOverrides, configSchema, createLogger, type Logger } from '@iochain/core'
import PinoPretty from 'pino-pretty'

const LEVELS: readonly string[] = configSchema.properties.log.properties.level.enum

/**
 * The logger `run` writes through, set by `log` in the config and `--log-level`. Read before
 * the config is validated, so a setting that is not valid falls back to the default here and
 * is reported by the validation.
 */
export function createCliLogger(config: unknown, overrides: ConfigOverrides): Logger {
  const log = (config as { log?: { level?: unknown; format?: unknown } } | null)?.log
  const wanted = overrides.logLevel ?? log?.level
  const level = typeof wanted === 'string' && LEVELS.includes(wanted) ? wanted : 'info'
  if (log?.format === 'pretty') {
    return createLogger({ level, stream: PinoPretty({ destination: 1, colorize: undefined }) })
  }
  return createLogger({ level })
}
