import type { ChainHandle, FilterInit, IOContext, IOFilter } from '@iochain/core'
import {
  Counter,
  collectDefaultMetrics,
  Histogram,
  Registry,
  register as sharedRegistry,
} from 'prom-client'
import { tokensOf } from '../_usage.ts'
import { ChainStatsExporter } from './chain-stats.ts'
import { type MetricsServer, startMetricsServer } from './server.ts'

export interface MetricsOptions {
  /** Port of the metrics endpoint; 9464 unless given, 0 for a free one. */
  port?: number
  /** Address it listens on; `127.0.0.1` unless given. */
  host?: string
  /** Path it answers on; `/metrics` unless given. */
  path?: string
  /** Prefix of every metric name; `iochain_` unless given. */
  prefix?: string
  /** Also export Node.js process metrics (memory, event loop lag, ...). */
  processMetrics?: boolean
  /** Distinct model labels kept; later models count under `other`. 100 unless given. */
  maxModels?: number
  /** Latency histogram buckets, in seconds. */
  buckets?: number[]
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const FILTER_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
    path: { type: 'string', pattern: '^/' },
    prefix: { type: 'string', pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' },
    processMetrics: { type: 'boolean' },
    maxModels: { type: 'integer', minimum: 1 },
    buckets: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1 },
  },
} as const

/**
 * Prometheus metrics through prom-client, served on their own port: requests by endpoint, model
 * and outcome, latency and time to first token, tokens, time per filter, rejections by filter,
 * the chain's counters, and what other filters publish in prom-client's default registry.
 */
export class MetricsFilter implements IOFilter {
  static readonly optionsSchema: typeof optionsSchema = optionsSchema

  readonly name: string
  readonly blocking = false
  readonly registry: Registry = new Registry()
  readonly #maxModels: number
  readonly #models = new Set<string>()
  readonly #requests: Counter<'endpoint' | 'model' | 'outcome' | 'status'>
  readonly #latency: Histogram<'endpoint' | 'model' | 'outcome'>
  readonly #ttft: Histogram<'endpoint' | 'model'>
  readonly #tokens: Counter<'endpoint' | 'model' | 'kind'>
  readonly #filterTime: Histogram<'filter'>
  readonly #rejections: Counter<'filter' | 'code'>
  readonly #chainStats: ChainStatsExporter
  #chain: ChainHandle | undefined
  #server: MetricsServer | undefined

  constructor(options: MetricsOptions = {}, init?: FilterInit) {
    this.name = init?.name ?? 'Metrics'
    const p = options.prefix ?? 'iochain_'
    this.#maxModels = options.maxModels ?? 100
    const registers = [this.registry]
    const buckets = options.buckets ?? DEFAULT_BUCKETS
    this.#requests = new Counter({
      name: `${p}requests_total`,
      help: 'Requests through the chain, by endpoint, model, outcome and status',
      labelNames: ['endpoint', 'model', 'outcome', 'status'],
      registers,
    })
    this.#latency = new Histogram({
      name: `${p}request_duration_seconds`,
      help: 'Time from receiving a request to its last byte',
      labelNames: ['endpoint', 'model', 'outcome'],
      buckets,
      registers,
    })
    this.#ttft = new Histogram({
      name: `${p}time_to_first_token_seconds`,
      help: 'Time from receiving a request to the first generated token',
      labelNames: ['endpoint', 'model'],
      buckets,
      registers,
    })
    this.#tokens = new Counter({
      name: `${p}tokens_total`,
      help: 'Tokens by kind (prompt, completion); estimated when the upstream reported none',
      labelNames: ['endpoint', 'model', 'kind'],
      registers,
    })
    this.#filterTime = new Histogram({
      name: `${p}filter_duration_seconds`,
      help: "Time spent in each filter's hooks per request",
      labelNames: ['filter'],
      buckets: FILTER_BUCKETS,
      registers,
    })
    this.#rejections = new Counter({
      name: `${p}rejections_total`,
      help: 'Requests refused, by the filter that refused them and its code',
      labelNames: ['filter', 'code'],
      registers,
    })
    this.#chainStats = new ChainStatsExporter(this.registry, p)
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: p })
  }

  /** The URL the metrics are served on, once `listen` resolved. */
  get url(): string | undefined {
    return this.#server && `${this.#server.url}`
  }

  attach(chain: ChainHandle): void {
    this.#chain = chain
  }

  async listen(options: MetricsOptions = {}): Promise<void> {
    this.#server = await startMetricsServer(
      options.host ?? '127.0.0.1',
      options.port ?? 9464,
      options.path ?? '/metrics',
      () => this.render(),
    )
  }

  /** The exposition text: this filter's metrics, the chain's, and the shared registry's. */
  async render(): Promise<{ contentType: string; body: string }> {
    if (this.#chain) this.#chainStats.update(this.#chain.stats())
    const own = await this.registry.metrics()
    const shared = await sharedRegistry.metrics()
    return { contentType: this.registry.contentType, body: shared ? `${own}\n${shared}` : own }
  }

  onResponse(ctx: IOContext): void {
    const { timings, outcome } = ctx
    const model = this.#modelLabel(ctx.model)
    const endpoint = ctx.endpoint
    const status = String(ctx.response?.status ?? outcome.status ?? '')
    this.#requests.inc({ endpoint, model, outcome: outcome.kind, status })
    const finishedAt = timings.finishedAt ?? Date.now()
    this.#latency.observe(
      { endpoint, model, outcome: outcome.kind },
      (finishedAt - timings.receivedAt) / 1000,
    )
    if (timings.firstTokenAt) {
      this.#ttft.observe({ endpoint, model }, (timings.firstTokenAt - timings.receivedAt) / 1000)
    }
    const tokens = tokensOf(ctx)
    if (tokens.prompt) this.#tokens.inc({ endpoint, model, kind: 'prompt' }, tokens.prompt)
    if (tokens.completion) {
      this.#tokens.inc({ endpoint, model, kind: 'completion' }, tokens.completion)
    }
    for (const [filter, ms] of Object.entries(timings.filters)) {
      this.#filterTime.observe({ filter }, ms / 1000)
    }
    if (outcome.kind === 'rejected') {
      this.#rejections.inc({ filter: outcome.filter ?? '', code: outcome.code ?? '' })
    }
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }

  // Model names come from clients; capping them keeps a stray client from growing the series.
  #modelLabel(model: string): string {
    if (this.#models.has(model)) return model
    if (this.#models.size >= this.#maxModels) return 'other'
    this.#models.add(model)
    return model
  }
}

type MetricsFactory = ((options?: MetricsOptions, init?: FilterInit) => Promise<MetricsFilter>) & {
  optionsSchema: typeof optionsSchema
  description: string
}

/**
 * The Metrics filter, started: resolves once the endpoint listens, so a port already in use
 * stops start-up with a clear error instead of a log line.
 */
export const Metrics: MetricsFactory = Object.assign(
  async function Metrics(options: MetricsOptions = {}, init?: FilterInit) {
    const filter = new MetricsFilter(options, init)
    await filter.listen(options)
    return filter
  },
  { optionsSchema, description: 'Prometheus metrics on their own port, chain counters included' },
)
