import type { ChainStats } from '@iochain/core'
import { Counter, Gauge, type Registry } from 'prom-client'

// Fields that go up and down; every other numeric field of the chain's stats only grows.
const GAUGE_FIELDS = new Set(['pending', 'queued', 'running', 'threads'])

/**
 * Exports every numeric field of `chain.stats()` as `<prefix>chain_<group>_<field>`: counters
 * with a `_total` suffix, gauges for the fields in GAUGE_FIELDS. Groups are walked rather than
 * listed, so counters a later version adds (a worker pool's) appear without a change here.
 */
export class ChainStatsExporter {
  readonly #registry: Registry
  readonly #prefix: string
  readonly #metrics = new Map<string, Counter | Gauge>()

  constructor(registry: Registry, prefix: string) {
    this.#registry = registry
    this.#prefix = prefix
  }

  update(stats: ChainStats): void {
    for (const [group, fields] of Object.entries(stats)) {
      if (typeof fields !== 'object' || fields === null) continue
      for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
        if (typeof value === 'number') this.#set(group, field, value)
      }
    }
  }

  #set(group: string, field: string, value: number): void {
    const gauge = GAUGE_FIELDS.has(field)
    const base = `${this.#prefix}chain_${snake(group)}_${snake(field)}`
    const name = gauge ? base : `${base}_total`
    let metric = this.#metrics.get(name)
    if (!metric) {
      const help = `Chain ${group} ${field}, from the chain's counters`
      metric = gauge
        ? new Gauge({ name, help, registers: [this.#registry] })
        : new Counter({ name, help, registers: [this.#registry] })
      this.#metrics.set(name, metric)
    }
    if (metric instanceof Gauge) {
      metric.set(value)
    } else {
      // The chain keeps the running total; the counter mirrors it at each scrape.
      metric.reset()
      metric.inc(value)
    }
  }
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}
