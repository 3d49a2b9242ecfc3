import { AssertionError } from 'node:assert'
import { describeError } from '@iochain/core'
import type { RunResult } from './run-filter.ts'

export interface ExpectedRejection {
  status?: number
  code?: string | null
  /** The name of the filter expected to refuse. */
  filter?: string
  /** The whole message, or a pattern it must match. */
  message?: string | RegExp
}

/**
 * Throws an `AssertionError` unless a filter refused the request with what is expected. Works
 * under any test runner.
 */
export function expectRejected(result: RunResult, expected: ExpectedRejection = {}): void {
  const rejection = result.rejection
  if (!rejection) {
    fail(
      `expected the request to be rejected, but ${describeRun(result)}`,
      expected,
      undefined,
      'expectRejected',
    )
  }
  const actual = {
    status: rejection.status,
    code: rejection.code,
    filter: rejection.filter,
    message: rejection.message,
  }
  const mismatches: string[] = []
  for (const key of ['status', 'code', 'filter'] as const) {
    if (expected[key] !== undefined && expected[key] !== actual[key]) {
      mismatches.push(`${key} ${show(actual[key])} (expected ${show(expected[key])})`)
    }
  }
  const { message } = expected
  if (message !== undefined && !matches(actual.message, message)) {
    mismatches.push(`message ${show(actual.message)} (expected ${show(message)})`)
  }
  if (mismatches.length > 0) {
    fail(
      `the request was rejected with ${mismatches.join(', ')}`,
      expected,
      actual,
      'expectRejected',
    )
  }
}

/**
 * Throws an `AssertionError` if a filter rejected the request, failed it, or any hook
 * (background ones included) threw.
 */
export function expectPassed(result: RunResult): void {
  if (result.rejection || result.failure || result.errors.length > 0) {
    fail(
      `expected the request to pass, but ${describeRun(result)}`,
      'passed',
      undefined,
      'expectPassed',
    )
  }
}

// --- internal ---

function describeRun(result: RunResult): string {
  const parts: string[] = []
  const { rejection, failure } = result
  if (rejection) {
    parts.push(
      `filter '${rejection.filter}' rejected it with ${rejection.status} ` +
        `${show(rejection.code)}: ${rejection.message}`,
    )
  }
  if (failure) {
    parts.push(`filter '${failure.filter}' failed it in ${failure.hook} (${failure.code})`)
  }
  for (const e of result.errors) {
    const where = e.background ? 'in the background' : 'blocking'
    parts.push(`filter '${e.filter}' ${e.hook} threw ${where}: ${describeError(e.error)}`)
  }
  return parts.length > 0 ? parts.join('; ') : 'every filter let it through'
}

function matches(actual: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? actual === expected : expected.test(actual)
}

function show(value: unknown): string {
  return value instanceof RegExp ? String(value) : JSON.stringify(value)
}

function fail(message: string, expected: unknown, actual: unknown, operator: string): never {
  throw new AssertionError({ message, expected, actual, operator })
}
