import type { FilterInit, IOContext, IOFilter } from '@iochain/core'
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'

export interface TracingOptions {
  /** The tracer's name; `@iochain/filters-builtin` unless given. */
  tracerName?: string
  /** Continue the client's trace from its `traceparent` header; `true` unless given. */
  propagate?: boolean
}

const OPERATIONS: Record<string, string> = {
  'chat.completions': 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'responses',
}

/**
 * An OpenTelemetry span per request, with a child span per filter, through
 * `@opentelemetry/api`: without a registered SDK the API is a no-op and so is this filter.
 * Attributes follow the GenAI semantic conventions (`gen_ai.*`).
 */
export class Tracing implements IOFilter {
  static readonly description = 'An OpenTelemetry span per request and per filter'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      tracerName: { type: 'string', minLength: 1 },
      propagate: { type: 'boolean' },
    },
  } as const

  readonly name: string
  readonly blocking = false
  readonly #tracerName: string
  readonly #propagate: boolean

  constructor(options: TracingOptions = {}, init?: FilterInit) {
    this.name = init?.name ?? 'Tracing'
    this.#tracerName = options.tracerName ?? '@iochain/filters-builtin'
    this.#propagate = options.propagate ?? true
  }

  // The span is written once the request is over, from the context's timings; the tracer is
  // looked up each time so that an SDK registered after start-up is picked up.
  onResponse(ctx: IOContext): void {
    const tracer = trace.getTracer(this.#tracerName)
    const { timings, outcome } = ctx
    const end = timings.finishedAt ?? Date.now()
    const operation = OPERATIONS[ctx.endpoint] ?? ctx.endpoint
    const parent = this.#propagate
      ? propagation.extract(context.active(), ctx.headers)
      : context.active()
    const span = tracer.startSpan(
      `${operation} ${ctx.model}`,
      { kind: SpanKind.SERVER, startTime: timings.receivedAt, attributes: attributesOf(ctx) },
      parent,
    )
    if (outcome.kind === 'error' || outcome.kind === 'rejected') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message ?? outcome.kind })
    }
    if (timings.firstTokenAt) span.addEvent('first_token', timings.firstTokenAt)
    filterSpans(tracer, trace.setSpan(parent, span), ctx)
    span.end(end)
  }
}

// Timings keep the total per filter, not when each hook ran: the child spans are laid end to
// end from the request's start, so their durations are exact and their positions approximate.
function filterSpans(tracer: Tracer, parent: ReturnType<typeof context.active>, ctx: IOContext) {
  let at = ctx.timings.receivedAt
  for (const [filter, ms] of Object.entries(ctx.timings.filters)) {
    const span = tracer.startSpan(
      `filter ${filter}`,
      { startTime: at, attributes: { 'iochain.filter.name': filter } },
      parent,
    )
    at += ms
    span.end(at)
  }
}

function attributesOf(ctx: IOContext): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': OPERATIONS[ctx.endpoint] ?? ctx.endpoint,
    'gen_ai.request.model': ctx.model,
    'iochain.request_id': ctx.requestId,
    'iochain.stream': ctx.stream,
    'iochain.outcome': ctx.outcome.kind,
  }
  const status = ctx.response?.status ?? ctx.outcome.status
  if (status !== undefined) attributes['http.response.status_code'] = status
  if (ctx.outcome.filter) attributes['iochain.filter'] = ctx.outcome.filter
  if (ctx.usage) {
    attributes['gen_ai.usage.input_tokens'] = ctx.usage.prompt_tokens
    attributes['gen_ai.usage.output_tokens'] = ctx.usage.completion_tokens
  }
  const responseModel = (ctx.response?.body as { model?: unknown } | null)?.model
  if (typeof responseModel === 'string') attributes['gen_ai.response.model'] = responseModel
  return attributes
}
