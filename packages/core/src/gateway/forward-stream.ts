import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Outcome } from '../context.ts'
import { StreamTap } from '../stream/stream-tap.ts'
import type { Exchange, GatewayDeps } from './exchange.ts'
import { clientResponseHeaders, singleValued } from './headers.ts'
import { waitForDrain } from './wait-for-drain.ts'

/** How the pump stopped: the upstream body ended, the client left, or the upstream failed. */
type PumpEnd = { kind: 'ended' } | { kind: 'client-gone' } | { kind: 'failed'; error: unknown }

/**
 * Forwards an SSE response byte for byte as each read arrives, while a tap parses and
 * aggregates it for `onResponse`. Bytes are written before they are parsed, so parsing adds
 * nothing to their latency, and a slow client pauses the upstream read: the loop awaits
 * `drain` before reading on, which bounds what is held in memory.
 */
export async function forwardStream(
  deps: GatewayDeps,
  exchange: Exchange,
  upstreamRes: Dispatcher.ResponseData,
): Promise<void> {
  const { ctx, res } = exchange
  const status = upstreamRes.statusCode
  const headers = clientResponseHeaders(upstreamRes.headers, ctx.requestId)
  delete headers['content-length']
  res.writeHead(status, headers)
  res.flushHeaders()

  const encoding = upstreamRes.headers['content-encoding']
  const tap = new StreamTap(ctx.endpoint, { contentEncoding: encoding?.toString() })
  const end = await pump(exchange, upstreamRes.body, tap)
  if (end.kind !== 'ended') upstreamRes.body.destroy()
  await tap.end()
  if (tap.broken !== undefined) {
    deps.logger.warn({ err: tap.broken, requestId: ctx.requestId }, 'stream aggregation stopped')
  }

  const { aggregator } = tap
  ctx.response = { status, headers: singleValued(headers), body: aggregator.result() }
  ctx.usage = aggregator.usage
  ctx.timings.firstByteAt = tap.firstByteAt
  ctx.timings.firstTokenAt = tap.firstTokenAt
  ctx.timings.chunks = tap.chunkTimings()
  ctx.outcome = decideOutcome(end, status, tap)

  if (end.kind === 'failed' && !exchange.clientGone) {
    deps.logger.warn({ err: end.error, requestId: ctx.requestId }, 'upstream stream failed')
    // No clean end is invented: the client sees the connection fail as the upstream's did.
    res.destroy()
  } else {
    await endResponse(exchange)
  }
  ctx.timings.finishedAt = Date.now()
  await deps.chain.runResponse(ctx)
}

// Known limit: bytes after `[DONE]` are forwarded too, so an upstream that holds the connection
// open after it holds the client's response (and onResponse) open until it ends or the client goes.
async function pump(exchange: Exchange, body: Readable, tap: StreamTap): Promise<PumpEnd> {
  const { res } = exchange
  try {
    for await (const chunk of body) {
      const flushed = res.write(chunk)
      tap.push(chunk as Buffer)
      if (!flushed) await waitForDrain(res)
      if (exchange.clientGone) return { kind: 'client-gone' }
    }
  } catch (error) {
    // The client leaving aborts the upstream request, which surfaces here as an abort error.
    return exchange.clientGone ? { kind: 'client-gone' } : { kind: 'failed', error }
  }
  return exchange.clientGone ? { kind: 'client-gone' } : { kind: 'ended' }
}

/** What `onResponse` is told about a stream that was forwarded as far as it went. */
function decideOutcome(end: PumpEnd, status: number, tap: StreamTap): Outcome {
  const { aggregator } = tap
  // A client that hangs up after the terminal event got the whole answer; so did one whose
  // upstream broke the connection only after it.
  if (end.kind === 'client-gone' && !aggregator.done) {
    return { kind: 'cancelled', status, message: 'The client disconnected.' }
  }
  if (aggregator.error !== null) {
    const message = describe(aggregator.error)
    return { kind: 'error', status, code: 'upstream_stream_error', message }
  }
  if (status >= 400) {
    const message = `The upstream answered with status ${status}.`
    return { kind: 'error', status, code: 'upstream_error', message }
  }
  if (aggregator.done) return { kind: 'ok', status }
  if (end.kind === 'failed') {
    const message = `The upstream stream broke off: ${describe(end.error)}`
    return { kind: 'error', status, code: 'upstream_stream_failed', message }
  }
  const message = 'The upstream stream ended without its terminal event.'
  return { kind: 'error', status, code: 'upstream_stream_incomplete', message }
}

// Resolves once the last byte was handed to the socket, or the client went away first.
function endResponse(exchange: Exchange): Promise<void> {
  const { res } = exchange
  if (res.writableEnded || exchange.clientGone) return Promise.resolve()
  return new Promise((resolve) => {
    res.once('close', resolve)
    res.end(resolve)
  })
}

function describe(error: unknown): string {
  if (typeof error === 'string') return error
  if (error instanceof Error) return error.message || error.name
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : 'The upstream sent an error event.'
}
