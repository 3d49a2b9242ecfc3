import type { IOFilter } from '@iochain/core'

/** One filter a package exports, as `iochain filters list` shows it. */
export interface FilterInfo {
  /** `package:Export`, ready for `--filters` or a config entry. */
  spec: string
  /**
   * `class` (constructed with its options), `object` (a ready filter) or `factory` (a function
   * that publishes an `optionsSchema` and returns the filter; its hooks are known once built).
   */
  kind: 'class' | 'object' | 'factory'
  /** `blocking` or `background` when the export declares it; `undefined` when unknown. */
  mode: 'blocking' | 'background' | undefined
  /** Asks to run in the worker pool (`static worker = true`). */
  worker: boolean
  hooks: string[]
  description: string
  /** Option names with their JSON Schema type and description. */
  options: Array<{ name: string; type: string; description: string }>
}

/**
 * The filters among a module's exports: classes with hooks on their prototype and ready filter
 * objects. Nothing is constructed, so listing never opens files or connections.
 */
export function describeExports(
  packageName: string,
  namespace: Record<string, unknown>,
  fallbackDescription: string,
): FilterInfo[] {
  const out: FilterInfo[] = []
  for (const [exportName, value] of Object.entries(namespace)) {
    const shape = filterShape(value)
    if (!shape) continue
    const meta = value as {
      description?: unknown
      optionsSchema?: unknown
      blocking?: unknown
      worker?: unknown
    }
    const blocking = shape.blocking ?? meta.blocking
    out.push({
      spec: exportName === 'default' ? packageName : `${packageName}:${exportName}`,
      kind: shape.kind,
      mode: typeof blocking === 'boolean' ? (blocking ? 'blocking' : 'background') : undefined,
      worker: meta.worker === true,
      hooks: shape.hooks,
      description: typeof meta.description === 'string' ? meta.description : fallbackDescription,
      options: describeOptions(meta.optionsSchema),
    })
  }
  return out
}

// --- internal ---

const HOOKS = ['onRequest', 'onResponse', 'close'] as const

// Shortcoming: a factory function cannot be told from any other function without calling it,
// so factories are not listed; nor is a class's `blocking` when it is an instance field.
function filterShape(
  value: unknown,
): { kind: FilterInfo['kind']; hooks: string[]; blocking?: boolean } | undefined {
  if (typeof value === 'function') {
    const proto = value.prototype as IOFilter | undefined
    const hooks = proto ? HOOKS.filter((h) => typeof proto[h] === 'function') : []
    if (hooks.some((h) => h !== 'close')) return { kind: 'class', hooks }
    // Any function could be a factory; one that publishes an options schema says it is.
    return 'optionsSchema' in value ? { kind: 'factory', hooks: [] } : undefined
  }
  if (typeof value === 'object' && value !== null) {
    const filter = value as IOFilter
    const hooks = HOOKS.filter((h) => typeof filter[h] === 'function')
    if (!hooks.some((h) => h !== 'close')) return undefined
    return { kind: 'object', hooks, blocking: filter.blocking }
  }
  return undefined
}

function describeOptions(schema: unknown): FilterInfo['options'] {
  const properties = (schema as { properties?: unknown } | null | undefined)?.properties
  if (typeof properties !== 'object' || properties === null) return []
  return Object.entries(properties as Record<string, Record<string, unknown>>).map(
    ([name, prop]) => ({
      name,
      type: schemaType(prop),
      description: typeof prop?.description === 'string' ? prop.description : '',
    }),
  )
}

function schemaType(prop: Record<string, unknown> | undefined): string {
  const type = prop?.type
  if (Array.isArray(type)) return type.join(' | ')
  if (type === 'array') {
    const items = prop?.items as Record<string, unknown> | undefined
    return `${schemaType(items)}[]`
  }
  if (typeof type === 'string') return type
  if (Array.isArray(prop?.enum)) return prop.enum.map((v) => JSON.stringify(v)).join(' | ')
  return 'any'
}
