/**
 * Every error IOChain raises itself carries one of these codes. Codes are never reused:
 * retire one by leaving it here with a comment instead of deleting it.
 */
export const ErrorCodes = {
  // --- specs and loading ---
  IOC_ERR_SPEC_INVALID: 'IOC_ERR_SPEC_INVALID',
  IOC_ERR_SPEC_NOT_FOUND: 'IOC_ERR_SPEC_NOT_FOUND',
  IOC_ERR_SPEC_IMPORT: 'IOC_ERR_SPEC_IMPORT',
  IOC_ERR_SPEC_EXPORT_MISSING: 'IOC_ERR_SPEC_EXPORT_MISSING',
  IOC_ERR_SPEC_NOT_A_FILTER: 'IOC_ERR_SPEC_NOT_A_FILTER',
  IOC_ERR_FILTER_CONSTRUCT: 'IOC_ERR_FILTER_CONSTRUCT',
  IOC_ERR_FILTER_OPTIONS: 'IOC_ERR_FILTER_OPTIONS',
  IOC_ERR_FILTER_OPTIONS_SCHEMA: 'IOC_ERR_FILTER_OPTIONS_SCHEMA',
  IOC_ERR_FILTER_NAME_TAKEN: 'IOC_ERR_FILTER_NAME_TAKEN',
  IOC_ERR_FILTER_WORKER_LOAD: 'IOC_ERR_FILTER_WORKER_LOAD',
  // --- config ---
  IOC_ERR_CONFIG_NOT_FOUND: 'IOC_ERR_CONFIG_NOT_FOUND',
  IOC_ERR_CONFIG_SYNTAX: 'IOC_ERR_CONFIG_SYNTAX',
  IOC_ERR_CONFIG_IMPORT: 'IOC_ERR_CONFIG_IMPORT',
  IOC_ERR_CONFIG_SCHEMA: 'IOC_ERR_CONFIG_SCHEMA',
  IOC_ERR_CONFIG_UNKNOWN_KEY: 'IOC_ERR_CONFIG_UNKNOWN_KEY',
  IOC_ERR_CONFIG_VALUE: 'IOC_ERR_CONFIG_VALUE',
  IOC_ERR_CONFIG_ENV: 'IOC_ERR_CONFIG_ENV',
  IOC_ERR_CONFIG_INVALID: 'IOC_ERR_CONFIG_INVALID',
  // --- chain ---
  IOC_ERR_HOOK_FAILED: 'IOC_ERR_HOOK_FAILED',
  IOC_ERR_HOOK_TIMEOUT: 'IOC_ERR_HOOK_TIMEOUT',
  IOC_ERR_HOOK_EMPTY_REJECTION: 'IOC_ERR_HOOK_EMPTY_REJECTION',
  IOC_ERR_CHAIN_OPTIONS: 'IOC_ERR_CHAIN_OPTIONS',
  // --- worker pool ---
  IOC_ERR_WORKER_POOL_OPTIONS: 'IOC_ERR_WORKER_POOL_OPTIONS',
  IOC_ERR_WORKER_POOL_CLOSED: 'IOC_ERR_WORKER_POOL_CLOSED',
  IOC_ERR_WORKER_QUEUE_FULL: 'IOC_ERR_WORKER_QUEUE_FULL',
  IOC_ERR_WORKER_CRASHED: 'IOC_ERR_WORKER_CRASHED',
  // --- gateway ---
  IOC_ERR_GATEWAY_OPTIONS: 'IOC_ERR_GATEWAY_OPTIONS',
  IOC_ERR_UPSTREAM: 'IOC_ERR_UPSTREAM',
  // --- testkit ---
  IOC_ERR_TESTKIT_RUNNER: 'IOC_ERR_TESTKIT_RUNNER',
  // --- filters at run time ---
  IOC_ERR_FILTER_CREDENTIALS: 'IOC_ERR_FILTER_CREDENTIALS',
} as const

export type ErrorCode = keyof typeof ErrorCodes

/** The one error class of `@iochain/core`; `code` says what failed, `cause` keeps the origin. */
export class IOChainError extends Error {
  override name = 'IOChainError'
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isIOChainError(err: unknown): err is IOChainError {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code in ErrorCodes
}

/** A short description of any thrown value, for messages; never includes a stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  if (err === undefined) return 'undefined'
  try {
    return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err))
  } catch {
    return String(err)
  }
}
