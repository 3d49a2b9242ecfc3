import type { Dispatcher } from 'undici'
import type { Usage } from '../context.ts'
import { normalizeUsage } from '../stream/usage.ts'
import { decodeBody } from './decode-body.ts'
import type { Exchange, GatewayDeps } from './exchange.ts'
import { clientResponseHeaders, singleValued } from './headers.ts'
import { sendError } from './openai-error.ts'

/**
 * A complete (non-streaming) upstream response: read it, show it to `onResponse`, then send the
 * upstream's bytes unchanged, so a strict filter can still turn it into an error.
 */
export async function forwardJson(
  deps: GatewayDeps,
  exchange: Exchange,
  upstreamRes: Dispatcher.ResponseData,
): Promise<void> {
  const { ctx, res } = exchange
  ctx.timings.firstByteAt = Date.now()
  let bytes: Buffer
  try {
    bytes = Buffer.from(await upstreamRes.body.arrayBuffer())
  } catch (err) {
    if (exchange.clientGone) {
      exchange.markCancelled()
    } else {
      deps.logger.warn({ err, requestId: ctx.requestId }, 'upstream body failed')
      sendError(res, 502, { message: 'The upstream response broke off.', code: 'upstream_error' })
      ctx.outcome = { kind: 'error', status: 502, code: 'upstream_error', message: String(err) }
    }
    return finishHooks(deps, exchange)
  }

  const status = upstreamRes.statusCode
  const headers = clientResponseHeaders(upstreamRes.headers, ctx.requestId)
  const encoding = headers['content-encoding']
  if (encoding !== undefined) {
    // Sent on decoded, so the client gets what the filters saw whatever it accepts.
    try {
      bytes = await decodeBody(bytes, String(encoding))
    } catch (err) {
      deps.logger.warn({ err, requestId: ctx.requestId }, 'upstream body did not decode')
      return failBadResponse(deps, exchange, 'The upstream response body could not be decoded.')
    }
    delete headers['content-encoding']
  }
  const body = parseJson(bytes)
  if (status < 300 && body === undefined) {
    return failBadResponse(deps, exchange, 'The upstream answered with a body that is not JSON.')
  }

  ctx.response = { status, headers: singleValued(headers), body: body ?? null }
  ctx.usage = usageOf(body)
  ctx.outcome =
    status < 400
      ? { kind: 'ok', status }
      : { kind: 'error', status, code: 'upstream_error', message: upstreamMessage(body) }

  ctx.timings.finishedAt = Date.now()
  const strictFailure = await deps.chain.runResponse(ctx)
  if (exchange.clientGone) return
  if (strictFailure && strictFailure.kind === 'failed') {
    sendError(res, 500, {
      message: strictFailure.message,
      type: 'server_error',
      code: strictFailure.code,
    })
    return
  }
  headers['content-length'] = String(bytes.length)
  res.writeHead(status, headers)
  res.end(bytes)
}

function failBadResponse(deps: GatewayDeps, exchange: Exchange, message: string): Promise<void> {
  const { res, ctx } = exchange
  sendError(res, 502, { message, code: 'upstream_bad_response' })
  ctx.response = { status: 502, headers: {}, body: null }
  ctx.outcome = { kind: 'error', status: 502, code: 'upstream_bad_response', message }
  return finishHooks(deps, exchange)
}

async function finishHooks(deps: GatewayDeps, exchange: Exchange): Promise<void> {
  exchange.ctx.timings.finishedAt = Date.now()
  await deps.chain.runResponse(exchange.ctx)
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
}

export function usageOf(body: unknown): Usage | null {
  return normalizeUsage((body as { usage?: unknown } | null | undefined)?.usage)
}

/** The message of any of the error shapes upstreams use (nested, flat, or a bare string). */
export function upstreamMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'The upstream answered with an error.'
  const error = (body as { error?: unknown }).error
  if (typeof error === 'string') return error
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message
    if (typeof message === 'string') return message
  }
  const flat = (body as { message?: unknown }).message
  return typeof flat === 'string' ? flat : 'The upstream answered with an error.'
}
