import { AssertionError } from 'node:assert'

/** Throws the `AssertionError` every runner reports as a failed expectation. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new AssertionError({ message, operator: 'describeFilterConformance' })
  }
}
