import { StreamTap } from '@iochain/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  endpointOf,
  expectedError,
  type Fixture,
  flatUsage,
  inManifestTerms,
  loadFixtures,
  oneBytePerSlice,
  splitAt,
} from '../src/fixtures.ts'

// The parser and aggregator alone, fed every fixture as the gateway's reads would deliver it.
const fixtures = loadFixtures()
const streams = fixtures.filter((f) => f.file.endsWith('.sse'))
const bodies = fixtures.filter((f) => f.expect.choices && f.file.endsWith('.json'))

function tapOf(fixture: Fixture, reads: Uint8Array[]): StreamTap {
  const tap = new StreamTap(endpointOf(fixture.path))
  for (const read of reads) tap.push(read)
  tap.end()
  return tap
}

function expectManifestAggregate(fixture: Fixture, tap: StreamTap): void {
  const { aggregator, reader } = tap
  const body = aggregator.result()
  expect(tap.broken).toBeUndefined()
  expect(inManifestTerms(body)).toEqual(fixture.expect.choices)
  if (fixture.expect.usage === null) expect(aggregator.usage).toBeNull()
  else expect(flatUsage(aggregator.usage)).toMatchObject(fixture.expect.usage)
  expect(aggregator.done).toBe(fixture.expect.done)
  const error = expectedError(fixture.expect)
  if (error === null) expect(aggregator.error).toBeNull()
  else expect(aggregator.error).toMatchObject(error)
  if (fixture.expect.timings) expect(body.timings).toMatchObject(fixture.expect.timings)
  if (fixture.expect.comments !== undefined) expect(reader.comments).toBe(fixture.expect.comments)
  if (fixture.expect.events !== undefined) expect(reader.events).toBe(fixture.expect.events)
  // Every character survived decoding: nothing was replaced by U+FFFD.
  expect(JSON.stringify(body)).not.toContain('\uFFFD')
}

describe('aggregating every upstream fixture', () => {
  it.each(streams.map((f) => [f.file, f] as const))('%s read whole', (_, fixture) => {
    expectManifestAggregate(fixture, tapOf(fixture, [fixture.bytes]))
  })

  it.each(streams.map((f) => [f.file, f] as const))('%s read one byte at a time', (_, fixture) => {
    expectManifestAggregate(fixture, tapOf(fixture, oneBytePerSlice(fixture.bytes)))
  })

  const splits = streams.flatMap((f) => f.splits.map((s) => [f.file, s.offset, f] as const))
  it.each(splits)('%s split at byte %i', (_, offset, fixture) => {
    expectManifestAggregate(fixture, tapOf(fixture, splitAt(fixture.bytes, [offset])))
  })

  it.each(streams.map((f) => [f.file, f] as const))(
    '%s split anywhere aggregates the same',
    (_, fixture) => {
      const whole = tapOf(fixture, [fixture.bytes])
      const size = fixture.bytes.length
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: size - 1 }), { maxLength: 24 }),
          (cuts) => {
            const tap = tapOf(fixture, splitAt(fixture.bytes, cuts))
            expect(tap.aggregator.result()).toEqual(whole.aggregator.result())
            expect(tap.aggregator.usage).toEqual(whole.aggregator.usage)
            expect(tap.aggregator.done).toBe(whole.aggregator.done)
            expect(tap.aggregator.error).toEqual(whole.aggregator.error)
            expect(tap.reader.events).toBe(whole.reader.events)
          },
        ),
        { numRuns: 40 },
      )
    },
  )

  // The aggregate is meant to have the shape of the non-streamed body: the same reading of
  // both must give what the manifest expects.
  it.each(bodies.map((f) => [f.file, f] as const))('%s reads as the manifest says', (_, f) => {
    const body = JSON.parse(f.bytes.toString('utf8'))
    expect(inManifestTerms(body)).toMatchObject(f.expect.choices)
  })
})
