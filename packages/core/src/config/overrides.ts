import type { IOChainConfig } from './schema.ts'

/** Settings given on the command line; each replaces its counterpart in the file. */
export interface ConfigOverrides {
  /** Replaces the file's whole filter list; relative specs resolve against `cwd`. */
  filters?: string[]
  upstream?: string
  upstreamApiKeyEnv?: string
  host?: string
  port?: number
  logLevel?: string
}

/** Which config path each flag sets, so a problem in it names the flag, not the file. */
export const OVERRIDE_FLAGS: ReadonlyArray<{ path: string; flag: string }> = [
  { path: 'filters', flag: '--filters' },
  { path: 'upstream.url', flag: '--upstream' },
  { path: 'upstream.apiKeyEnv', flag: '--upstream-api-key-env' },
  { path: 'listen.host', flag: '--host' },
  { path: 'listen.port', flag: '--port' },
  { path: 'log.level', flag: '--log-level' },
]

/** The config with the overrides applied, and the config paths they set. */
export function applyOverrides(
  config: unknown,
  overrides: ConfigOverrides,
): { config: unknown; overridden: Set<string> } {
  const overridden = new Set<string>()
  // A config that is not an object is reported by the schema step as it is.
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return { config, overridden }
  }
  const merged = { ...(config as Record<string, unknown>) } as Record<string, unknown>
  const set = (section: string, key: string, value: unknown) => {
    if (value === undefined) return
    const current = merged[section]
    const base = typeof current === 'object' && current !== null ? current : {}
    merged[section] = { ...base, [key]: value }
    overridden.add(`${section}.${key}`)
  }
  if (overrides.filters !== undefined) {
    merged.filters = overrides.filters
    overridden.add('filters')
  }
  set('upstream', 'url', overrides.upstream)
  set('upstream', 'apiKeyEnv', overrides.upstreamApiKeyEnv)
  set('listen', 'host', overrides.host)
  set('listen', 'port', overrides.port)
  set('log', 'level', overrides.logLevel)
  return { config: merged as IOChainConfig, overridden }
}

/** The flag that set `path` (or one of its ancestors), if a flag did. */
export function flagFor(path: string, overridden: ReadonlySet<string>): string | undefined {
  for (const { path: set, flag } of OVERRIDE_FLAGS) {
    if (!overridden.has(set)) continue
    if (path === set || path.startsWith(`${set}.`) || path.startsWith(`${set}[`)) return flag
  }
  return undefined
}
