import { Counter, register } from 'prom-client'

/**
 * A counter in prom-client's default registry, which the Metrics filter serves next to its own.
 * Filters that are not Metrics publish through here; the same name always gives the same
 * counter, so two instances of a filter add up instead of failing to register.
 */
export function sharedCounter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = register.getSingleMetric(name)
  if (existing) return existing as Counter<L>
  return new Counter({ name, help, labelNames, registers: [register] })
}
