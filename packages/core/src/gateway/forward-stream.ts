import type { Dispatcher } from 'undici'
import { StreamAggregator } from '../stream/aggregate.ts'
import { SseReader } from '../stream/sse-reader.ts'
import type { Exchange, GatewayDeps } from './exchange.ts'
import { clientResponseHeaders, singleValued } from './headers.ts'
import { waitForDrain } from './wait-for-drain.ts'

/**
 * Forwards an SSE response byte for byte as each read arrives, while a parser aggregates it for
 * `onResponse`. A slow client pauses the upstream read: the loop awaits `drain` before reading on.
 */
export async function forwardStream(
  deps: GatewayDeps,
  exchange: Exchange,
  upstreamRes: Dispatcher.ResponseData,
): Promise<void> {
  const { ctx, res } = exchange
  const headers = clientResponseHeaders(upstreamRes.headers)
  delete headers['content-length']
  res.writeHead(upstreamRes.statusCode, headers)
  res.flushHeaders()

  const aggregator = new StreamAggregator(ctx.endpoint)
  const reader = new SseReader((event) => {
    if (aggregator.push(event)) ctx.timings.firstTokenAt = Date.now()
  })
  const gaps = { count: 0, total: 0, max: 0, last: 0 }
  let failure: unknown

  try {
    for await (const chunk of upstreamRes.body) {
      const now = Date.now()
      if (gaps.last === 0) ctx.timings.firstByteAt = now
      else recordGap(gaps, now)
      gaps.last = now
      reader.push(chunk as Buffer)
      if (!res.write(chunk)) await waitForDrain(res)
      if (exchange.clientGone) break
    }
    reader.end()
  } catch (err) {
    failure = err
  }

  ctx.response = {
    status: upstreamRes.statusCode,
    headers: singleValued(headers),
    body: aggregator.result(),
  }
  ctx.usage = aggregator.usage
  ctx.timings.chunks = {
    count: gaps.count + (gaps.last ? 1 : 0),
    meanGapMs: gaps.count ? gaps.total / gaps.count : 0,
    maxGapMs: gaps.max,
  }

  if (exchange.clientGone && !aggregator.done) {
    exchange.markCancelled()
    upstreamRes.body.destroy()
  } else if (failure !== undefined && !exchange.clientGone) {
    deps.logger.warn({ err: failure, requestId: ctx.requestId }, 'upstream stream failed')
    ctx.outcome = {
      kind: 'error',
      status: 502,
      code: 'upstream_stream_failed',
      message: String(failure),
    }
    // No clean end is invented: the client sees the connection fail as the upstream's did.
    res.destroy()
  } else if (aggregator.error !== null) {
    ctx.outcome = {
      kind: 'error',
      status: upstreamRes.statusCode,
      code: 'upstream_stream_error',
      message: describeStreamError(aggregator.error),
    }
    await endResponse(exchange)
  } else if (!aggregator.done) {
    ctx.outcome = {
      kind: 'error',
      status: upstreamRes.statusCode,
      code: 'upstream_stream_incomplete',
      message: 'The upstream stream ended without its terminal event.',
    }
    await endResponse(exchange)
  } else {
    ctx.outcome = { kind: 'ok', status: upstreamRes.statusCode }
    await endResponse(exchange)
  }

  ctx.timings.finishedAt = Date.now()
  await deps.chain.runResponse(ctx)
}

function recordGap(gaps: { count: number; total: number; max: number; last: number }, now: number) {
  const gap = now - gaps.last
  gaps.count++
  gaps.total += gap
  if (gap > gaps.max) gaps.max = gap
}

// Resolves once the last byte was handed to the socket, so onResponse runs after it.
function endResponse(exchange: Exchange): Promise<void> {
  const { res } = exchange
  if (res.writableEnded || exchange.clientGone) return Promise.resolve()
  return new Promise((resolve) => res.end(resolve))
}

function describeStreamError(error: unknown): string {
  if (typeof error === 'string') return error
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : 'The upstream sent an error event.'
}
