import type { Endpoint } from './filter.ts'

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  [key: string]: unknown
}

export interface IOResponse {
  status: number
  headers: Record<string, string>
  /** The JSON body, or for a stream the aggregate in the shape of the non-streaming body. */
  body: unknown
}

export interface Timings {
  receivedAt: number
  upstreamAt?: number
  firstByteAt?: number
  firstTokenAt?: number
  finishedAt?: number
  /** Milliseconds spent in each filter's hooks, by filter name. */
  filters: Record<string, number>
  /** A stream's data events (`[DONE]` and comments excluded) and the gaps between them, in ms. */
  chunks?: { count: number; meanGapMs: number; maxGapMs: number }
}

export type OutcomeKind = 'pending' | 'ok' | 'rejected' | 'error' | 'cancelled'

export interface Outcome {
  kind: OutcomeKind
  /** The filter that rejected or failed the request. */
  filter?: string
  status?: number
  message?: string
  /** A machine code: the rejection's code, or what failed (`upstream_unreachable`, ...). */
  code?: string
}

export interface ClientAddress {
  address: string
  port: number
}

/** One per request, from parsing to the end of `onResponse`. */
export interface IOContext {
  readonly requestId: string
  readonly endpoint: Endpoint
  readonly model: string
  readonly stream: boolean
  /** The parsed request body; frozen. */
  readonly request: Readonly<Record<string, unknown>>
  /** Lower-case request headers; credentials redacted unless the entry was granted them. */
  readonly headers: Readonly<Record<string, string>>
  readonly client: ClientAddress
  response: IOResponse | null
  usage: Usage | null
  timings: Timings
  outcome: Outcome
  /** Shared by all filters for this request, from `onRequest` to `onResponse`. */
  metadata: Record<string, unknown>
}

export interface ContextInit {
  requestId: string
  endpoint: Endpoint
  request: Record<string, unknown>
  headers: Record<string, string>
  client: ClientAddress
  receivedAt?: number
}

/** Headers filters see as `[redacted]` unless their entry is granted credentials. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'cookie',
  'x-api-key',
  'proxy-authorization',
  'api-key',
]

export const REDACTED = '[redacted]'

/** Builds the context for a parsed request; the request body is deep-frozen in place. */
export function createIOContext(init: ContextInit): IOContext {
  const ctx: IOContext = {
    requestId: init.requestId,
    endpoint: init.endpoint,
    model: typeof init.request.model === 'string' ? init.request.model : '',
    stream: init.request.stream === true,
    request: deepFreeze(init.request),
    headers: Object.freeze(redactHeaders(init.headers)),
    client: init.client,
    response: null,
    usage: null,
    timings: { receivedAt: init.receivedAt ?? Date.now(), filters: {} },
    outcome: { kind: 'pending' },
    metadata: {},
  }
  rawHeaders.set(ctx, init.headers)
  return ctx
}

const rawHeaders = new WeakMap<IOContext, Record<string, string>>()

/**
 * A view of the context whose headers are unredacted. Everything else is the context itself
 * through the prototype, so writes to `metadata` are shared.
 */
export function withCredentials(ctx: IOContext): IOContext {
  const headers = rawHeaders.get(ctx)
  if (!headers) return ctx
  return Object.create(ctx, { headers: { value: Object.freeze({ ...headers }) } }) as IOContext
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = CREDENTIAL_HEADERS.includes(name) ? REDACTED : value
  }
  return out
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return value
}
