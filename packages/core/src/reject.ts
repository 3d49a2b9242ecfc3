/**
 * The brand survives a filter package that bundles its own copy of `@iochain/core`:
 * `Symbol.for` returns the same symbol in every copy, where `instanceof` would not match.
 */
const kFilterReject = Symbol.for('iochain.filter-reject')

export interface RejectOptions {
  /** HTTP status for the client; 400 unless given. Must be a 4xx or 5xx. */
  status?: number
  /** OpenAI-style machine code, such as `rate_limit_exceeded`. */
  code?: string | null
  /** OpenAI-style error type; derived from the status when absent. */
  type?: string
  /** The request field at fault, such as `max_tokens`. */
  param?: string | null
  /** Extra response headers, such as `retry-after`. */
  headers?: Record<string, string>
  cause?: unknown
}

/**
 * Thrown by a blocking hook to refuse a request on purpose. The client receives `status` with
 * an OpenAI-shaped error body; no later filter runs.
 *
 * @example
 * throw new IOFilterReject('model not allowed', { status: 403, code: 'model_not_allowed' })
 */
export class IOFilterReject extends Error {
  override name = 'IOFilterReject'
  readonly status: number
  readonly code: string | null
  readonly type: string
  readonly param: string | null
  readonly headers: Record<string, string>

  constructor(message: string, options: RejectOptions = {}) {
    super(message, { cause: options.cause })
    Object.defineProperty(this, kFilterReject, { value: true })
    const status = options.status ?? 400
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`IOFilterReject status must be an integer 400-599, got ${status}`)
    }
    this.status = status
    this.code = options.code ?? null
    this.type = options.type ?? errorTypeForStatus(status)
    this.param = options.param ?? null
    this.headers = options.headers ?? {}
  }
}

/** The fields of a rejection, whichever copy of the class threw it. */
export interface RejectionLike {
  message: string
  status: number
  code: string | null
  type: string
  param: string | null
  headers: Record<string, string>
}

/** Recognises a rejection by its brand, or by its shape when it crossed a worker boundary. */
export function isFilterReject(err: unknown): err is RejectionLike {
  if (typeof err !== 'object' || err === null) return false
  const value = err as Record<PropertyKey, unknown>
  if (value[kFilterReject] === true) return true
  return (
    value.name === 'IOFilterReject' &&
    typeof value.status === 'number' &&
    typeof value.message === 'string'
  )
}

/** Normalises a recognised rejection so that odd field values never reach the client. */
export function toRejection(err: RejectionLike): RejectionLike {
  const status =
    Number.isInteger(err.status) && err.status >= 400 && err.status <= 599 ? err.status : 400
  return {
    message: String(err.message),
    status,
    code: typeof err.code === 'string' ? err.code : null,
    type: typeof err.type === 'string' ? err.type : errorTypeForStatus(status),
    param: typeof err.param === 'string' ? err.param : null,
    headers: isStringRecord(err.headers) ? err.headers : {},
  }
}

export function errorTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null) return false
  return Object.values(value).every((v) => typeof v === 'string')
}
