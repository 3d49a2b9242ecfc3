import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StreamTap } from '../src/stream/stream-tap.ts'

// The servers' own transcripts, cut at random places: every split reads as the whole does,
// with the events and comments the manifest counts and no character broken by a cut.
const DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/upstream')
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as Record<
  string,
  { endpoint: string; events: number; comment_lines: number }
>
const streams = Object.entries(manifest).filter(([file]) => file.endsWith('.sse'))

function read(file: string, endpoint: string, bytes: Buffer, cuts: number[]) {
  const tap = new StreamTap(endpoint.includes('/chat/') ? 'chat.completions' : 'completions')
  let from = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    tap.push(bytes.subarray(from, cut))
    from = cut
  }
  tap.push(bytes.subarray(from))
  tap.end()
  const { aggregator, reader } = tap
  expect(tap.broken, file).toBeUndefined()
  return {
    body: aggregator.result(),
    usage: aggregator.usage,
    done: aggregator.done,
    error: aggregator.error,
    events: reader.events,
    comments: reader.comments,
  }
}

describe('every stream fixture under random splits', () => {
  it.each(streams)('%s', (file, entry) => {
    const bytes = readFileSync(path.join(DIR, file))
    const whole = read(file, entry.endpoint, bytes, [])
    expect(whole.events).toBe(entry.events)
    expect(whole.comments).toBe(entry.comment_lines)
    expect(JSON.stringify(whole.body)).not.toContain('\uFFFD')
    const cuts = fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 24 })
    fc.assert(
      fc.property(cuts, (at) => {
        expect(read(file, entry.endpoint, bytes, at)).toEqual(whole)
      }),
      { numRuns: 60 },
    )
  })
})
