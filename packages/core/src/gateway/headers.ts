import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

// RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

// `expect: 100-continue` was answered here already, and undici refuses to send it on.
const ANSWERED_HERE = new Set(['host', 'expect'])

// The client's credentials for the gateway: not sent on when the gateway has its own key.
const CLIENT_CREDENTIALS = ['authorization', 'x-api-key', 'api-key', 'cookie']

/** Incoming headers as single strings, lower-case, repeated ones joined as HTTP allows. */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** The headers to send upstream: no hop-by-hop ones, and the upstream key if configured. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  apiKey: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const listed = connectionTokens(incoming.connection)
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue
    if (ANSWERED_HERE.has(name)) continue
    if (apiKey && CLIENT_CREDENTIALS.includes(name)) continue
    out[name] = value
  }
  if (apiKey) out.authorization = `Bearer ${apiKey}`
  return out
}

/**
 * The upstream's response headers for the client, without hop-by-hop ones. Given a `requestId`
 * (on an inference path), the client's id is the gateway's, whatever id the upstream answers with.
 */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  requestId?: string,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  const listed = connectionTokens(upstream.connection)
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue
    out[name] = value
  }
  if (requestId) out['x-request-id'] = requestId
  return out
}

/** Response headers as the context shows them: single strings. */
export function singleValued(headers: OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

const NO_TOKENS: ReadonlySet<string> = new Set()

function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  // The values nearly every message carries name no header beyond the hop-by-hop ones.
  if (!value || value === 'keep-alive' || value === 'close') return NO_TOKENS
  const joined = Array.isArray(value) ? value.join(',') : value
  return new Set(
    joined
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  )
}
