import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool } from 'undici'
import { poolFor } from './pools.ts'
import { summarize } from './stats.ts'
import { CHAT_PATH, JSON_HEADERS, SMALL_CHAT_BODY } from './workload.ts'

export interface SequentialArgs {
  origin: string
  count: number
  warmup: number
}

/** One request at a time over one kept-alive connection; latencies in µs. */
export async function driveSequential(args: SequentialArgs): Promise<number[]> {
  const pool = poolFor(args.origin)
  const latencies: number[] = []
  for (let i = 0; i < args.warmup + args.count; i++) {
    const start = performance.now()
    await chatOnce(pool)
    if (i >= args.warmup) latencies.push((performance.now() - start) * 1000)
  }
  return latencies
}

export interface PacedArgs {
  origin: string
  /** Requests per second, sent open-loop whatever the answers' pace. */
  rate: number
  durationMs: number
}

export interface PacedResult {
  rate: number
  sent: number
  completed: number
  errors: number
  /** Latency figures in µs. */
  medianUs: number
  p99Us: number
}

// Past this many unanswered requests the target has fallen behind for good.
const MAX_IN_FLIGHT = 1_000

/**
 * Open-loop load at a fixed rate: requests leave on schedule (in 1 ms batches) whether or not
 * earlier ones were answered, so a slow target cannot slow the load down and hide its tail.
 */
export async function drivePaced(args: PacedArgs): Promise<PacedResult> {
  const pool = poolFor(args.origin)
  const latencies: number[] = []
  let sent = 0
  let errors = 0
  let inFlight = 0
  const pending: Promise<void>[] = []
  let overloaded = false
  const start = performance.now()
  for (;;) {
    const elapsed = performance.now() - start
    overloaded = inFlight > MAX_IN_FLIGHT
    if (elapsed >= args.durationMs || overloaded) break
    const due = Math.floor((elapsed / 1000) * args.rate)
    for (; sent < due; sent++) {
      const sentAt = performance.now()
      inFlight++
      pending.push(
        chatOnce(pool).then(
          () => {
            inFlight--
            latencies.push((performance.now() - sentAt) * 1000)
          },
          () => {
            inFlight--
            errors++
          },
        ),
      )
    }
    await sleep(1)
  }
  await Promise.all(pending)
  const summary = summarize(latencies)
  return {
    rate: args.rate,
    sent,
    completed: latencies.length,
    errors,
    medianUs: summary.median,
    p99Us: overloaded ? Number.POSITIVE_INFINITY : summary.p99,
  }
}

async function chatOnce(pool: Pool): Promise<void> {
  const res = await pool.request({
    path: CHAT_PATH,
    method: 'POST',
    headers: JSON_HEADERS,
    body: SMALL_CHAT_BODY,
  })
  await res.body.arrayBuffer()
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`)
}
