import { ErrorCodes, IOChainError } from '@iochain/core'

/** Throws the loader's options error, naming the filter and the option at fault. */
export function optionError(filter: string, option: string, problem: string): never {
  throw new IOChainError(
    ErrorCodes.IOC_ERR_FILTER_OPTIONS,
    `${filter}: \`options.${option}\` ${problem}.`,
  )
}

export function requirePositiveInteger(filter: string, option: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) <= 0) {
    optionError(filter, option, `must be a positive integer, got ${JSON.stringify(value)}`)
  }
  return value as number
}
