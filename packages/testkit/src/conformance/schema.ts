import { describeError, type LoadedFilter } from '@iochain/core'
import { Ajv } from 'ajv'
import { check } from './check.ts'

/**
 * The export's static `optionsSchema`, when it has one, must compile and accept the options
 * given; each of `invalidOptions` must be refused by the schema or by construction.
 */
export async function checkOptionsSchema(
  spec: string,
  exported: unknown,
  options: { options?: unknown; invalidOptions?: unknown[] },
  load: (options: unknown) => Promise<LoadedFilter>,
): Promise<void> {
  const schema = (exported as { optionsSchema?: unknown } | null)?.optionsSchema
  const validate = schema === undefined ? undefined : compile(spec, schema)
  if (validate) {
    const given = options.options ?? {}
    check(
      validate(given),
      `\`${spec}\` refuses its own options ${JSON.stringify(given)}: ${ajvText(validate)}`,
    )
    try {
      structuredClone(given)
    } catch (err) {
      check(false, `its options cannot be cloned for a worker: ${describeError(err)}`)
    }
  }
  for (const bad of options.invalidOptions ?? []) {
    if (validate && !validate(bad)) continue
    const built = await load(bad).then(
      (loaded) => loaded,
      () => undefined,
    )
    if (built) await built.filter.close?.()
    check(!built, `\`${spec}\` accepted the invalid options ${JSON.stringify(bad)}`)
  }
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown }

function compile(spec: string, schema: unknown): Validate {
  check(
    typeof schema === 'object' && schema !== null && !Array.isArray(schema),
    `\`${spec}\`: optionsSchema is not a JSON Schema object`,
  )
  try {
    return new Ajv({ allErrors: true, strict: false }).compile(schema as object) as Validate
  } catch (err) {
    check(false, `\`${spec}\`: optionsSchema does not compile: ${describeError(err)}`)
  }
}

function ajvText(validate: Validate): string {
  const errors = (validate.errors ?? []) as Array<{ instancePath: string; message?: string }>
  return errors.map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim()).join('; ')
}
