import { ErrorCodes, IOChainError } from '../errors.ts'
import { type CheckConfigOptions, checkConfig, type ResolvedConfig } from './check-config.ts'
import type { ConfigProblem } from './problem.ts'

/**
 * Checks a config and returns it resolved, with its filters constructed; throws
 * `IOC_ERR_CONFIG_INVALID` listing every problem when it is not valid. For embedding and
 * tests; the CLI uses `checkConfig` to print the report itself.
 */
export async function resolveConfig(
  config: unknown,
  options: Omit<CheckConfigOptions, 'keepFilters'> = {},
): Promise<ResolvedConfig> {
  const { report, resolved } = await checkConfig(config, { ...options, keepFilters: true })
  if (resolved) return resolved
  const lines = report.problems.map((p) => `  ${describeProblem(p)}`)
  throw new IOChainError(
    ErrorCodes.IOC_ERR_CONFIG_INVALID,
    `The config is not valid (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n` +
      lines.join('\n'),
  )
}

/** `filters[2].options.limit (line 9): must be ... [IOC_ERR_FILTER_OPTIONS]` */
export function describeProblem(problem: ConfigProblem): string {
  const where = [problem.path || '(config)']
  if (problem.flag) where.push(`(${problem.flag})`)
  else if (problem.line !== undefined) where.push(`(line ${problem.line})`)
  return `${where.join(' ')}: ${problem.message} [${problem.code}]`
}
