import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayDeps } from './exchange.ts'
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts'
import { sendError } from './openai-error.ts'
import { relayBody } from './relay-body.ts'
import { describeUpstreamFailure } from './upstream.ts'

/** Any other path or method, and every request when no filter is configured: relayed as is. */
export async function passThrough(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  requestId?: string,
): Promise<void> {
  const abort = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  const headers = upstreamRequestHeaders(req.headers, deps.upstream.apiKey)
  if (requestId) {
    headers['x-request-id'] = requestId
    res.setHeader('x-request-id', requestId)
  }
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  try {
    const upstreamRes = await deps.upstream.request({
      method: req.method ?? 'GET',
      path: target,
      headers,
      body: hasBody ? req : null,
      signal: abort.signal,
    })
    res.writeHead(upstreamRes.statusCode, clientResponseHeaders(upstreamRes.headers, requestId))
    await relayBody(upstreamRes.body, res)
  } catch (err) {
    if (abort.signal.aborted) return
    const failure = describeUpstreamFailure(err)
    deps.logger.warn({ err, path: req.url }, 'pass-through request failed')
    sendError(res, failure.status, { message: failure.message, code: failure.code })
  }
}
