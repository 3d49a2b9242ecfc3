import { ErrorCodes } from '../errors.ts'
import type { ProblemList } from './problems.ts'
import type { IOChainConfig } from './schema.ts'

/** Checks what the schema cannot: URLs that parse, variables that are set, sizes that agree. */
export function checkSettings(
  config: IOChainConfig,
  env: Record<string, string | undefined>,
  problems: ProblemList,
): void {
  const { upstream, workerPool } = config
  if (upstream && !problems.has(['upstream'])) {
    if (!URL.canParse(upstream.url)) {
      problems.add({
        code: ErrorCodes.IOC_ERR_CONFIG_VALUE,
        step: 'settings',
        path: ['upstream', 'url'],
        message: `is not a valid URL: ${JSON.stringify(upstream.url)}.`,
      })
    }
    const name = upstream.apiKeyEnv
    if (name !== undefined && !env[name]) {
      problems.add({
        code: ErrorCodes.IOC_ERR_CONFIG_ENV,
        step: 'settings',
        path: ['upstream', 'apiKeyEnv'],
        message: `names the environment variable \`${name}\`, which is not set or is empty.`,
      })
    }
  }
  const { minThreads, maxThreads } = workerPool ?? {}
  if (minThreads !== undefined && maxThreads !== undefined && minThreads > maxThreads) {
    problems.add({
      code: ErrorCodes.IOC_ERR_CONFIG_VALUE,
      step: 'settings',
      path: ['workerPool', 'minThreads'],
      message: `is ${minThreads}, more than maxThreads (${maxThreads}).`,
    })
  }
}
