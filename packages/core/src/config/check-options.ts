import { Ajv, type ValidateFunction } from 'ajv'
import { describeError, ErrorCodes } from '../errors.ts'
import type { FilterExport } from '../loader/load-filter.ts'
import { explainSchemaErrors } from './explain-schema-errors.ts'
import { type ConfigPath, formatPath } from './problem.ts'
import type { ProblemList } from './problems.ts'

// One validator per schema object: a filter class used twice is compiled once. Each schema gets
// its own ajv, so two filters whose schemas share an `$id` do not collide.
const compiled = new WeakMap<object, ValidateFunction | Error>()

/** The JSON Schema a filter publishes for its options, if it publishes one. */
export function optionsSchemaOf(value: unknown): unknown {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null) return undefined
  return (value as { optionsSchema?: unknown }).optionsSchema
}

/**
 * Validates an entry's options against the filter's `optionsSchema` (draft-07); absent options
 * are checked as `{}`, so a schema that requires a key reports it. True when they pass.
 */
export function checkOptions(
  source: FilterExport,
  options: unknown,
  path: ConfigPath,
  problems: ProblemList,
): boolean {
  const schema = optionsSchemaOf(source.value)
  if (schema === undefined) return true
  const validate = compile(schema)
  if (validate instanceof Error) {
    problems.add({
      code: ErrorCodes.IOC_ERR_FILTER_OPTIONS_SCHEMA,
      step: 'construct',
      path: path.slice(0, -1),
      message:
        `The \`optionsSchema\` of \`${source.spec}\` is not a valid JSON Schema (draft-07), ` +
        `so its options cannot be checked: ${validate.message}`,
    })
    return false
  }
  const value = options ?? {}
  if (validate(value)) return true
  for (const v of explainSchemaErrors(validate.errors ?? [], value)) {
    problems.add({
      code: ErrorCodes.IOC_ERR_FILTER_OPTIONS,
      step: 'construct',
      path: [...path, ...v.path],
      message: v.message,
      atKey: v.unknownKey,
      missing: v.missing,
    })
  }
  return false
}

function compile(schema: unknown): ValidateFunction | Error {
  if (typeof schema !== 'object' || schema === null) {
    return new Error(`it is ${schema === null ? 'null' : typeof schema}, not an object`)
  }
  let validate = compiled.get(schema)
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true })
    if (!ajv.validateSchema(schema)) {
      validate = new Error(explainMetaErrors(ajv, schema))
    } else {
      try {
        validate = ajv.compile(schema)
      } catch (err) {
        validate = new Error(describeError(err))
      }
    }
    compiled.set(schema, validate)
  }
  return validate
}

// What is wrong in the schema itself, located inside it: `properties.limit.type: must be ...`.
function explainMetaErrors(ajv: Ajv, schema: object): string {
  return explainSchemaErrors(ajv.errors ?? [], schema)
    .map((v) => `${formatPath(v.path) || '(schema)'} ${v.message}`)
    .join('; ')
}
