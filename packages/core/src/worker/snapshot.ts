import type { ClientAddress, IOContext, IOResponse, Outcome, Timings, Usage } from '../context.ts'
import type { Endpoint } from '../filter.ts'
import type { MetadataChanges } from './messages.ts'

/**
 * The part of an `IOContext` that crosses to a worker thread: plain data only. What the main
 * thread's context holds beyond it stays behind:
 * - `metadata` entries that structured clone refuses (functions, symbols, sockets, class
 *   instances holding native handles) are left out, and their keys listed in `omitted`;
 * - class instances in `metadata` arrive as plain objects, without their prototype;
 * - the unredacted headers, unless the entry was granted credentials.
 */
export interface ContextSnapshot {
  requestId: string
  endpoint: Endpoint
  model: string
  stream: boolean
  request: Record<string, unknown>
  headers: Record<string, string>
  client: ClientAddress
  response: IOResponse | null
  usage: Usage | null
  timings: Timings
  outcome: Outcome
  metadata: Record<string, unknown>
  /** `metadata` keys left out because they cannot be cloned. */
  omitted: string[]
}

/** Copies what a worker may see; `ctx` may be a credentials view. */
export function snapshotContext(ctx: IOContext): ContextSnapshot {
  const { values, uncloneable } = cloneableEntries(ctx.metadata)
  return {
    requestId: ctx.requestId,
    endpoint: ctx.endpoint,
    model: ctx.model,
    stream: ctx.stream,
    request: ctx.request as Record<string, unknown>,
    headers: ctx.headers as Record<string, string>,
    client: ctx.client,
    response: ctx.response,
    usage: ctx.usage,
    timings: ctx.timings,
    outcome: ctx.outcome,
    metadata: values,
    omitted: uncloneable,
  }
}

/**
 * Splits a record into what structured clone accepts and the keys it refuses. The common case,
 * a record of plain data, costs one clone attempt.
 */
export function cloneableEntries(record: Record<string, unknown>): {
  values: Record<string, unknown>
  uncloneable: string[]
} {
  try {
    structuredClone(record)
    return { values: record, uncloneable: [] }
  } catch {
    const values: Record<string, unknown> = {}
    const uncloneable: string[] = []
    for (const [key, value] of Object.entries(record)) {
      try {
        structuredClone(value)
        values[key] = value
      } catch {
        uncloneable.push(key)
      }
    }
    return { values, uncloneable }
  }
}

/** Applies what a blocking worker hook wrote to `metadata`, as if it had run in this thread. */
export function applyMetadataChanges(
  metadata: Record<string, unknown>,
  changes: MetadataChanges,
): void {
  for (const key of changes.deleted) delete metadata[key]
  Object.assign(metadata, changes.set)
}
