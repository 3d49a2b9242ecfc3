import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The upstream transcripts of `test/fixtures/upstream` and what their manifest expects. */
export const FIXTURE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/upstream',
)

export interface FixtureSplit {
  offset: number
  note: string
}

export interface Fixture {
  file: string
  method: 'GET' | 'POST'
  path: string
  request: Record<string, unknown>
  status: number
  contentType: string
  bytes: Buffer
  splits: FixtureSplit[]
  expect: Record<string, any>
}

interface ManifestEntry {
  endpoint: string
  request?: Record<string, unknown>
  http_status: number
  content_type: string
  tcp_splits?: FixtureSplit[]
  expect: Record<string, any>
}

/** Every fixture of the manifest, with its bytes and the request that would produce it. */
export function loadFixtures(): Fixture[] {
  const manifest = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'manifest.json'), 'utf8'))
  return Object.entries(manifest as Record<string, ManifestEntry>).map(([file, entry]) => {
    // Entries such as "any endpoint with a bad key" are replayed as a chat completion.
    const match = /^(GET|POST) (\/v1\/[\w/.-]+)/.exec(entry.endpoint)
    return {
      file,
      method: (match?.[1] ?? 'POST') as 'GET' | 'POST',
      path: match?.[2] ?? '/v1/chat/completions',
      request: entry.request ?? {},
      status: entry.http_status,
      contentType: entry.content_type,
      bytes: readFileSync(path.join(FIXTURE_DIR, file)),
      splits: entry.tcp_splits ?? [],
      expect: entry.expect,
    }
  })
}

/** The endpoint name a filter sees for a fixture's path. */
export function endpointOf(fixturePath: string): 'chat.completions' | 'completions' {
  return fixturePath.endsWith('/completions') && !fixturePath.includes('/chat/')
    ? 'completions'
    : 'chat.completions'
}

/** Slices `bytes` at the given offsets, in order. */
export function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const cuts = [...new Set(offsets)].filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, cut))
    from = cut
  }
  return out
}

export function oneBytePerSlice(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))
}

type Json = Record<string, any>

/**
 * A chat or completions body (a stream's aggregate or a non-streamed body) in the manifest's
 * `expect` vocabulary, so the two can be compared field by field.
 */
export function inManifestTerms(body: Json): Json[] {
  return (body.choices as Json[]).map((choice) => {
    const { index, message, text, finish_reason, logprobs: _l, ...extra } = choice
    if (message === undefined) return { index, text, finish_reason, extra }
    return {
      index,
      role: message.role,
      content: message.content,
      reasoning: message.reasoning_content ?? message.reasoning ?? null,
      tool_calls: ((message.tool_calls ?? []) as Json[]).map((call, i) => ({
        index: call.index ?? i,
        id: call.id,
        type: call.type,
        name: call.function.name,
        arguments: call.function.arguments,
      })),
      finish_reason,
      extra,
    }
  })
}

/** Usage counts flattened: top-level numbers and those inside `*_details` objects. */
export function flatUsage(usage: Json | null): Json | null {
  if (usage === null) return null
  const out: Json = {}
  for (const [key, value] of Object.entries(usage)) {
    if (typeof value === 'number') out[key] = value
    else if (key.endsWith('_details') && value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'number') out[k] ??= v
    }
  }
  return out
}

/** The manifest's in-stream error in the fields the aggregate keeps: message, type, code. */
export function expectedError(expected: Json): Json | null {
  const error = expected.error
  if (!error?.in_band) return null
  return { message: error.message, type: error.type, code: error.code }
}
