import { checkConfig, describeProblem } from '@iochain/core'
import { check } from './check.ts'

/**
 * Checks options exactly as `iochain validate config` does (the filter's `optionsSchema`, then
 * construction): the given options must pass, each of `invalidOptions` must not.
 */
export async function checkFilterOptions(
  spec: string,
  baseDir: string,
  settings: { options?: unknown; invalidOptions?: unknown[] },
): Promise<void> {
  const validate = async (options: unknown) => {
    const entry = options === undefined ? { use: spec } : { use: spec, options }
    const { report } = await checkConfig({ filters: [entry] }, { cwd: baseDir })
    return report.problems.map(describeProblem)
  }
  const problems = await validate(settings.options)
  check(
    problems.length === 0,
    `\`${spec}\` refuses its own options ${JSON.stringify(settings.options ?? {})}:\n  ` +
      problems.join('\n  '),
  )
  for (const bad of settings.invalidOptions ?? []) {
    const found = await validate(bad)
    check(found.length > 0, `\`${spec}\` accepted the invalid options ${JSON.stringify(bad)}`)
  }
}
