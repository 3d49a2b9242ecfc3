import type { UpstreamReply } from './script.ts'

/** A reply reduced to what goes on the wire. */
export interface WirePlan {
  status: number
  headers: Record<string, string>
  latencyMs: number
  pieces: Buffer[]
  /** Pause before each piece. */
  delays: number[]
  /** End cleanly, or destroy the socket after the last piece. */
  end: 'end' | 'drop'
  /** Destroy the socket before any answer. */
  dropAtOnce: boolean
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
}
const JSON_HEADERS = { 'content-type': 'application/json' }

/** Turns a scripted reply into status, headers and the exact pieces to write. */
export function planReply(reply: UpstreamReply): WirePlan {
  const base = { latencyMs: reply.latencyMs ?? 0, end: 'end' as const, dropAtOnce: false }
  if ('drop' in reply) {
    return { ...base, status: 0, headers: {}, pieces: [], delays: [], dropAtOnce: true }
  }
  const headers = (defaults: Record<string, string>) => ({ ...defaults, ...reply.headers })
  if ('json' in reply) {
    const pieces = [Buffer.from(JSON.stringify(reply.json))]
    return {
      ...base,
      status: reply.status ?? 200,
      headers: headers(JSON_HEADERS),
      pieces,
      delays: [0],
    }
  }
  if ('error' in reply) {
    const error = typeof reply.error === 'string' ? { message: reply.error } : reply.error
    const body = {
      error: { type: 'server_error', param: null, code: null, ...error },
    }
    const pieces = [Buffer.from(JSON.stringify(body))]
    return {
      ...base,
      status: reply.status ?? 500,
      headers: headers(JSON_HEADERS),
      pieces,
      delays: [0],
    }
  }
  const pieces = 'events' in reply ? eventPieces(reply.events, reply.done ?? true) : split(reply)
  const cut = reply.dropAfter
  const kept = cut === undefined ? pieces : pieces.slice(0, cut)
  return {
    ...base,
    status: reply.status ?? 200,
    headers: headers(SSE_HEADERS),
    pieces: kept,
    delays: kept.map((_, i) => delayAt(reply.delayMs, i)),
    end: cut === undefined ? 'end' : 'drop',
  }
}

// --- internal ---

function eventPieces(events: unknown[], done: boolean): Buffer[] {
  const pieces = events.map((event) =>
    Buffer.from(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`),
  )
  if (done) pieces.push(Buffer.from('data: [DONE]\n\n'))
  return pieces
}

function split(reply: { body: string | Uint8Array; splitAt?: number[] }): Buffer[] {
  const bytes = Buffer.from(reply.body)
  const cuts = [...new Set(reply.splitAt ?? [])].filter((n) => n > 0 && n < bytes.length)
  cuts.sort((a, b) => a - b)
  const pieces: Buffer[] = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(from, cut))
    from = cut
  }
  return pieces
}

// The first piece goes out with the headers; the delay applies between pieces.
function delayAt(delay: number | number[] | undefined, index: number): number {
  if (delay === undefined) return 0
  if (Array.isArray(delay)) return delay[index] ?? 0
  return index === 0 ? 0 : delay
}
