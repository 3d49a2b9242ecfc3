import { describe, it } from 'node:test'
import {
  type ConformanceOptions,
  describeFilterConformance as describeWith,
} from './conformance/describe-conformance.ts'

export * from './index.ts'

/** `describeFilterConformance` registering its tests with `node:test`. */
export function describeFilterConformance(spec: string, options: ConformanceOptions = {}): void {
  describeWith(spec, { runner: { describe, it }, ...options })
}
