import type { ErrorCode } from '../errors.ts'

/** The stages `validate config` goes through, in order. */
export type ValidationStep = 'parse' | 'schema' | 'settings' | 'resolve' | 'construct' | 'worker'

/** A path into the config: keys and array indices, outermost first. */
export type ConfigPath = ReadonlyArray<string | number>

/** Where a problem is in the config file, when the file is JSON or YAML. */
export interface SourcePosition {
  line: number
  column: number
}

/** One thing wrong with a config, located by its path and, when known, its line. */
export interface ConfigProblem {
  code: ErrorCode
  step: ValidationStep
  /** `filters[2].options.limit`; empty for the config as a whole. */
  path: string
  message: string
  /** The file the problem is in; absent for values given on the command line. */
  file?: string
  /** The command-line flag that gave the value, when one did. */
  flag?: string
  line?: number
  column?: number
}

/**
 * Writes a path as a person reads it.
 *
 * @example
 * formatPath(['filters', 2, 'options', 'limit']) // 'filters[2].options.limit'
 */
export function formatPath(path: ConfigPath): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}
