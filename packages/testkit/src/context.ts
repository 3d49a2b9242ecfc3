import {
  createIOContext,
  type Endpoint,
  type IOContext,
  type IOResponse,
  type Outcome,
  type OutcomeKind,
  type Timings,
  type Usage,
} from '@iochain/core'
import { defaultRequest, defaultResponseBody, usageFor } from './_bodies.ts'

/** What a test may fix about a context; everything else gets a valid default. */
export interface ContextInit {
  /** `chat.completions` unless given. */
  endpoint?: Endpoint
  model?: string
  stream?: boolean
  /** The user's text, placed where the endpoint carries it (message, prompt or input). */
  text?: string
  /** Fields merged over the default request body for the endpoint. */
  request?: Record<string, unknown>
  /** Request headers, lower-case names; credentials are redacted as the gateway does. */
  headers?: Record<string, string>
  client?: { address: string; port: number }
  requestId?: string
  /** How the call ended: `ok` unless given. `pending` leaves response, usage and marks empty. */
  outcome?: OutcomeKind | Outcome
  /** The reply's text for `ok` (and the partial text a cancelled stream got). */
  reply?: string
  /** Replaces the derived response; `null` for none. */
  response?: IOResponse | null
  /** Replaces the derived usage; `null` for none. */
  usage?: Usage | null
  timings?: Partial<Timings>
  metadata?: Record<string, unknown>
}

const DEFAULT_REPLY = 'Hello! How can I help you today?'

/**
 * A complete, valid `IOContext`, shaped as the gateway builds it: the request is frozen, the
 * headers redacted, and for a finished call the response, usage, timings and outcome are set.
 *
 * @example
 * const ctx = createContext({ endpoint: 'completions', stream: true, text: 'héllo' })
 */
export function createContext(init: ContextInit = {}): IOContext {
  const endpoint = init.endpoint ?? 'chat.completions'
  const stream = endpoint !== 'embeddings' && (init.stream ?? false)
  const body = {
    ...defaultRequest(endpoint, init.model, init.text ?? 'Hello', stream),
    ...structuredClone(init.request ?? {}),
  }
  const receivedAt = init.timings?.receivedAt ?? Date.now()
  const ctx = createIOContext({
    requestId: init.requestId ?? `req-test-${Math.random().toString(36).slice(2, 10)}`,
    endpoint,
    request: body,
    headers: { 'content-type': 'application/json', ...init.headers },
    client: init.client ?? { address: '127.0.0.1', port: 50_000 },
    receivedAt,
  })
  const outcome = toOutcome(init.outcome ?? 'ok')
  if (outcome.kind !== 'pending') finishContext(ctx, outcome, init)
  if (init.response !== undefined) ctx.response = init.response
  if (init.usage !== undefined) ctx.usage = init.usage
  Object.assign(ctx.timings, init.timings)
  Object.assign(ctx.metadata, init.metadata)
  return ctx
}

// --- internal ---

function toOutcome(value: OutcomeKind | Outcome): Outcome {
  if (typeof value !== 'string') return { ...value }
  switch (value) {
    case 'ok':
      return { kind: 'ok', status: 200 }
    case 'rejected':
      return {
        kind: 'rejected',
        filter: 'AnotherFilter',
        status: 403,
        code: 'not_allowed',
        message: 'Refused by another filter.',
      }
    case 'error':
      return {
        kind: 'error',
        status: 502,
        code: 'upstream_unreachable',
        message: 'The upstream could not be reached.',
      }
    case 'cancelled':
      return { kind: 'cancelled', message: 'The client disconnected.' }
    default:
      return { kind: value }
  }
}

// Sets what the gateway knows once the call ended the given way.
function finishContext(ctx: IOContext, outcome: Outcome, init: ContextInit): void {
  const t = ctx.timings.receivedAt
  ctx.outcome = outcome
  ctx.timings.finishedAt = t + 25
  if (outcome.kind === 'rejected') {
    ctx.response = { status: outcome.status ?? 400, headers: {}, body: null }
    return
  }
  ctx.timings.upstreamAt = t + 1
  if (outcome.kind === 'error') {
    ctx.response = { status: outcome.status ?? 502, headers: {}, body: null }
    return
  }
  if (outcome.kind === 'cancelled' && !ctx.stream) return

  // ok, or a stream cut short: a body in the non-streaming shape and its usage
  const reply = outcome.kind === 'cancelled' ? (init.reply ?? 'Hel') : (init.reply ?? DEFAULT_REPLY)
  const usage = usageFor(ctx, reply)
  ctx.timings.firstByteAt = t + 5
  if (ctx.endpoint !== 'embeddings') ctx.timings.firstTokenAt = t + 6
  ctx.response = {
    status: 200,
    headers: {
      'content-type': ctx.stream ? 'text/event-stream; charset=utf-8' : 'application/json',
    },
    body: defaultResponseBody(ctx, reply, outcome.kind === 'ok', usage),
  }
  // A cancelled stream rarely got its usage chunk.
  ctx.usage = outcome.kind === 'ok' ? usage : null
}
