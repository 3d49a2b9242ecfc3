import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool } from 'undici'
import { poolFor } from './pools.ts'
import { summarize } from './stats.ts'
import { CHAT_PATH, JSON_HEADERS, STREAM_BODY, STREAM_PACE_MS, STREAM_TOKENS } from './workload.ts'

export interface StreamsArgs {
  origin: string
  /** Streams opened, each `staggerMs` after the previous one. */
  count: number
  staggerMs: number
  /** Return every TTFC and gap, not only their summary. */
  keepSamples: boolean
}

export interface StreamsResult {
  streams: number
  /** Streams that failed or did not bring every token. */
  failed: number
  /** Time to first chunk per stream, µs (with `keepSamples`). */
  ttfcUs: number[]
  /** Time between consecutive token events, µs (with `keepSamples`). */
  gapsUs: number[]
  gapMedianUs: number
  gapP99Us: number
  /** The largest gap beyond the upstream's pace, ms: how long the worst chunk was held. */
  worstLateMs: number
  /** Token events that arrived in the same read as the previous one: held back and merged. */
  merged: number
}

interface StreamTrace {
  ttfcUs: number
  /** Arrival of each complete SSE event, ms since the request left. */
  events: number[]
}

/** Opens paced streams and records when each event arrives. */
export async function driveStreams(args: StreamsArgs): Promise<StreamsResult> {
  const pool = poolFor(args.origin)
  const traces: Array<Promise<StreamTrace | undefined>> = []
  for (let i = 0; i < args.count; i++) {
    if (i > 0 && args.staggerMs > 0) await sleep(args.staggerMs)
    traces.push(traceStream(pool).catch(() => undefined))
  }
  return collect(await Promise.all(traces), args)
}

async function traceStream(pool: Pool): Promise<StreamTrace> {
  const start = performance.now()
  const res = await pool.request({
    path: CHAT_PATH,
    method: 'POST',
    headers: JSON_HEADERS,
    body: STREAM_BODY,
  })
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
  const events: number[] = []
  let ttfcUs = 0
  let tail = ''
  for await (const chunk of res.body) {
    const at = performance.now() - start
    if (ttfcUs === 0) ttfcUs = at * 1000
    // Each complete event ends in a blank line; count those ended by this read.
    const text = tail + (chunk as Buffer).toString('latin1')
    let from = 0
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n', from)) {
      events.push(at)
      from = end + 2
    }
    tail = text.slice(from)
  }
  return { ttfcUs, events }
}

// Event 0 is the role chunk, events 1..STREAM_TOKENS the tokens, then the finish and [DONE].
function collect(traces: Array<StreamTrace | undefined>, args: StreamsArgs): StreamsResult {
  const ttfcUs: number[] = []
  const gapsUs: number[] = []
  let failed = 0
  let merged = 0
  for (const trace of traces) {
    if (!trace || trace.events.length < STREAM_TOKENS + 2) {
      failed++
      continue
    }
    ttfcUs.push(trace.ttfcUs)
    for (let i = 1; i <= STREAM_TOKENS; i++) {
      const gap = trace.events[i]! - trace.events[i - 1]!
      if (gap === 0) merged++
      gapsUs.push(gap * 1000)
    }
  }
  const gaps = summarize(gapsUs)
  return {
    streams: traces.length,
    failed,
    ttfcUs: args.keepSamples ? ttfcUs : [],
    gapsUs: args.keepSamples ? gapsUs : [],
    gapMedianUs: gaps.median,
    gapP99Us: gaps.p99,
    worstLateMs: gapsUs.length ? gaps.max / 1000 - STREAM_PACE_MS : Number.NaN,
    merged,
  }
}
