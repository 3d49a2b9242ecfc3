import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { createIOContext } from '../context.ts'
import type { Endpoint } from '../filter.ts'
import { Exchange, type GatewayDeps, sendVerdict } from './exchange.ts'
import { forwardJson } from './forward-json.ts'
import { forwardStream } from './forward-stream.ts'
import { flattenHeaders, upstreamRequestHeaders } from './headers.ts'
import { sendError } from './openai-error.ts'
import { parseRequestBody, refusalByHeaders } from './parse-request.ts'
import { BodyReadError, readBody } from './read-body.ts'
import { pickRequestId } from './request-id.ts'
import { describeUpstreamFailure } from './upstream.ts'

/** A POST to an inference endpoint: parse, run the chain, call upstream, finish the chain. */
export async function handleFiltered(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: Endpoint,
  target: string,
): Promise<void> {
  const receivedAt = Date.now()
  const requestId = pickRequestId(req.headers['x-request-id'])
  res.setHeader('x-request-id', requestId)

  // read and parse
  const refusal = refusalByHeaders(req.headers)
  if (refusal) {
    // The unread body is not worth keeping the connection for.
    res.setHeader('connection', 'close')
    sendError(res, 415, refusal)
    return
  }
  let raw: Buffer
  try {
    raw = await readBody(req, deps.bodyLimits)
  } catch (err) {
    if (err instanceof BodyReadError) {
      // The unread rest is not worth keeping the connection for.
      res.setHeader('connection', 'close')
      sendError(res, err.status, { message: err.message, code: err.code })
    } else {
      // The client went away mid-body: there is no one to answer and no context yet.
      res.destroy()
    }
    return
  }
  const parsed = parseRequestBody(raw, endpoint)
  if (!parsed.ok) {
    sendError(res, parsed.status, parsed.error)
    return
  }

  const ctx = createIOContext({
    requestId,
    endpoint,
    request: parsed.body,
    headers: flattenHeaders(req.headers),
    client: { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
    receivedAt,
  })
  const exchange = new Exchange(req, res, ctx)

  // request hooks
  const verdict = await deps.chain.runRequest(ctx)
  if (verdict) {
    sendVerdict(exchange, verdict)
    return finish(deps, exchange)
  }
  if (exchange.clientGone) {
    exchange.markCancelled()
    return finish(deps, exchange)
  }

  // upstream
  let upstreamRes: Dispatcher.ResponseData
  ctx.timings.upstreamAt = Date.now()
  try {
    upstreamRes = await deps.upstream.request({
      method: 'POST',
      path: target,
      headers: {
        ...upstreamRequestHeaders(req.headers, deps.upstream.apiKey),
        'content-length': String(raw.length),
        'x-request-id': requestId,
        // Bodies are parsed for the filters; an encoded one would have to be decoded first.
        'accept-encoding': 'identity',
      },
      body: raw,
      signal: exchange.abort.signal,
    })
  } catch (err) {
    if (exchange.clientGone) {
      exchange.markCancelled()
    } else {
      const failure = describeUpstreamFailure(err)
      deps.logger.warn({ err, requestId }, 'upstream request failed')
      sendError(res, failure.status, { message: failure.message, code: failure.code })
      ctx.response = { status: failure.status, headers: {}, body: null }
      ctx.outcome = {
        kind: 'error',
        status: failure.status,
        code: failure.code,
        message: failure.message,
      }
    }
    return finish(deps, exchange)
  }

  // Media types are case-insensitive (RFC 9110, 8.3.1).
  const contentType = String(upstreamRes.headers['content-type'] ?? '').toLowerCase()
  if (contentType.trimStart().startsWith('text/event-stream')) {
    await forwardStream(deps, exchange, upstreamRes)
  } else {
    await forwardJson(deps, exchange, upstreamRes)
  }
}

/** Marks the end and runs the response hooks; the client already has its answer. */
async function finish(deps: GatewayDeps, exchange: Exchange): Promise<void> {
  exchange.ctx.timings.finishedAt ??= Date.now()
  await deps.chain.runResponse(exchange.ctx)
}
