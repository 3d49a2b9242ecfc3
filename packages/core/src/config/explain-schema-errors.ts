import type { ErrorObject } from 'ajv'
import { closestName } from '../loader/closest-name.ts'
import type { ConfigPath } from './problem.ts'

/** One schema violation in words, at a path relative to the validated value. */
export interface SchemaViolation {
  path: ConfigPath
  message: string
  /** The key itself is wrong (unknown), rather than its value. */
  unknownKey: boolean
  /** The value is missing: its place is its parent's. */
  missing: boolean
  /** For an unknown key, the known key it is probably a typo of. */
  guess?: string
}

// Patterns of the config schema, said in words; other patterns are quoted as they are.
const PATTERN_WORDS: Record<string, string> = {
  '^https?://': 'an http:// or https:// URL',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'an environment variable name (letters, digits and _)',
}

/**
 * Turns ajv's errors (collected with `allErrors` and `verbose`) into sentences. Of the branches
 * of a `oneOf`, only those whose type fits the value are reported, so a mistyped filter entry
 * reads as a problem of the entry, not as a failed match of a string.
 */
export function explainSchemaErrors(
  errors: readonly ErrorObject[],
  data: unknown,
): SchemaViolation[] {
  return dropGuessedMissing(pruneBranches(errors).map((error) => explain(error, data)))
}

/** A value as a message quotes it: short, never a dump. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value
    return JSON.stringify(shown)
  }
  return String(value)
}

// --- internal ---

// `ulr: ...` both misses `url` and has an unknown key; the typo hint says all there is to say.
function dropGuessedMissing(violations: SchemaViolation[]): SchemaViolation[] {
  const guessed = new Set(
    violations
      .filter((v) => v.guess !== undefined)
      .map((v) => JSON.stringify([...v.path.slice(0, -1), v.guess])),
  )
  return violations.filter((v) => !(v.missing && guessed.has(JSON.stringify(v.path))))
}

function pruneBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  let kept = [...errors]
  for (const alt of errors) {
    if (alt.keyword !== 'oneOf' && alt.keyword !== 'anyOf') continue
    const prefix = `${alt.schemaPath}/`
    const branches = (alt.schema as unknown[]).map((_, i) => i)
    const mistyped = new Set(
      kept
        .filter((e) => e.keyword === 'type' && e.instancePath === alt.instancePath)
        .map((e) => e.schemaPath)
        .filter((p) => p.startsWith(prefix))
        .map((p) => Number(p.slice(prefix.length).split('/')[0])),
    )
    const fitting = branches.filter((i) => !mistyped.has(i))
    // Items of one list share schema paths: a branch's errors are those under this value.
    const under = (e: ErrorObject) =>
      e.instancePath === alt.instancePath || e.instancePath.startsWith(`${alt.instancePath}/`)
    const inBranch = (e: ErrorObject, i: number) =>
      under(e) && e.schemaPath.startsWith(`${prefix}${i}/`)
    if (fitting.length > 0) {
      // Keep the errors of the branches the value's type fits; drop the rest and the summary.
      kept = kept.filter(
        (e) => e !== alt && !branches.some((i) => !fitting.includes(i) && inBranch(e, i)),
      )
    } else {
      kept = kept.filter((e) => !branches.some((i) => inBranch(e, i)))
    }
  }
  return kept
}

function explain(error: ErrorObject, data: unknown): SchemaViolation {
  const path = toPath(error.instancePath, data)
  const value = valueAt(data, path)
  const got = `got ${describeValue(value)}`
  const params = error.params as Record<string, unknown>
  const at = (message: string, extra: Partial<SchemaViolation> = {}): SchemaViolation => ({
    path,
    message,
    unknownKey: false,
    missing: false,
    ...extra,
  })

  switch (error.keyword) {
    case 'type':
      return at(`must be ${typeWords(params.type as string | string[])}, ${got}.`)
    case 'required':
      return {
        path: [...path, params.missingProperty as string],
        message: 'is required.',
        unknownKey: false,
        missing: true,
      }
    case 'additionalProperties': {
      const key = params.additionalProperty as string
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {})
      const guess = closestName(key, known)
      const hint = guess
        ? ` Did you mean \`${guess}\`?`
        : known.length > 0
          ? ` Known keys: ${known.map((k) => `\`${k}\``).join(', ')}.`
          : ''
      return {
        path: [...path, key],
        message: `is not a known key.${hint}`,
        unknownKey: true,
        missing: false,
        guess,
      }
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v))
      const guess =
        typeof value === 'string' ? closestName(value, params.allowedValues as string[]) : undefined
      const hint = guess ? ` Did you mean ${JSON.stringify(guess)}?` : ''
      return at(`must be one of ${allowed.join(', ')}, ${got}.${hint}`)
    }
    case 'oneOf':
    case 'anyOf':
      return at(`must be ${branchTypes(error.schema)}, ${got}.`)
    case 'minimum':
      return at(`must be at least ${params.limit}, ${got}.`)
    case 'maximum':
      return at(`must be at most ${params.limit}, ${got}.`)
    case 'exclusiveMinimum':
      return at(`must be greater than ${params.limit}, ${got}.`)
    case 'exclusiveMaximum':
      return at(`must be less than ${params.limit}, ${got}.`)
    case 'minLength':
      return at(
        params.limit === 1
          ? 'must not be empty.'
          : `must have at least ${params.limit} characters.`,
      )
    case 'maxLength':
      return at(`must have at most ${params.limit} characters, ${got}.`)
    case 'pattern': {
      const pattern = params.pattern as string
      return at(`must be ${PATTERN_WORDS[pattern] ?? `text matching /${pattern}/`}, ${got}.`)
    }
    case 'minItems':
      return at(`must list at least ${params.limit} item${params.limit === 1 ? '' : 's'}.`)
    case 'maxItems':
      return at(`must list at most ${params.limit} items.`)
    case 'uniqueItems':
      return at(`lists the same value twice (items ${params.j} and ${params.i}).`)
    case 'const':
      return at(`must be ${JSON.stringify(params.allowedValue)}, ${got}.`)
    default:
      return at(`${error.message ?? `fails the \`${error.keyword}\` rule`}.`)
  }
}

function typeWords(type: string | string[]): string {
  const types = Array.isArray(type) ? type : type.split(',')
  const words = types.map((t) => TYPE_WORDS[t] ?? t)
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
}

function branchTypes(schema: unknown): string {
  const types = Array.isArray(schema)
    ? schema.flatMap((b) => (b as { type?: string | string[] }).type ?? [])
    : []
  return types.length > 0 ? typeWords(types) : 'one of the allowed shapes'
}

// `/filters/2/options` -> ['filters', 2, 'options']: indices are numbers where the data is a list.
function toPath(pointer: string, data: unknown): ConfigPath {
  if (pointer === '') return []
  const path: Array<string | number> = []
  let current = data
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    const key = Array.isArray(current) ? Number(segment) : segment
    path.push(key)
    current = (current as Record<string | number, unknown> | undefined)?.[key]
  }
  return path
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let current = data
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key]
  return current
}
