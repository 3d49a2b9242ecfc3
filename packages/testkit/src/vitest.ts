import { describe, it } from 'vitest'
import {
  type ConformanceOptions,
  describeFilterConformance as describeWith,
} from './conformance/describe-conformance.ts'

export * from './index.ts'

/** `describeFilterConformance` registering its tests with vitest's `describe` and `it`. */
export function describeFilterConformance(spec: string, options: ConformanceOptions = {}): void {
  describeWith(spec, { runner: { describe, it }, ...options })
}
