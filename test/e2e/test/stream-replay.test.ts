import { randomUUID } from 'node:crypto'
import { normalizeUsage } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expectedError,
  type Fixture,
  flatUsage,
  inManifestTerms,
  loadFixtures,
  oneBytePerSlice,
  splitAt,
} from '../src/fixtures.ts'
import { type RecordingGateway, startRecordingGateway } from '../src/recording-gateway.ts'
import { type ReplayUpstream, startReplayUpstream } from '../src/replay-upstream.ts'

// Every fixture replayed byte for byte by a scripted upstream, through the real gateway.
const fixtures = loadFixtures()
const streams = fixtures.filter((f) => f.file.endsWith('.sse'))
const bodies = fixtures.filter((f) => f.file.endsWith('.json') && !f.file.endsWith('manifest.json'))

let upstream: ReplayUpstream
let gw: RecordingGateway

beforeAll(async () => {
  upstream = await startReplayUpstream()
  gw = await startRecordingGateway(upstream.url)
})
afterAll(async () => {
  await gw.close()
  await upstream.close()
})

async function replay(fixture: Fixture, body: Array<Uint8Array | number>) {
  upstream.play({
    status: fixture.status,
    headers: { 'content-type': fixture.contentType },
    body,
  })
  const requestId = randomUUID()
  const res = await fetch(gw.baseURL.replace(/\/v1$/, '') + fixture.path, {
    method: fixture.method,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body:
      fixture.method === 'POST'
        ? JSON.stringify({ model: 'fixture-model', messages: [], ...fixture.request })
        : undefined,
  })
  const received = Buffer.from(await res.arrayBuffer())
  return { res, received, requestId }
}

function expectedOutcome(fixture: Fixture) {
  if (expectedError(fixture.expect)) return { kind: 'error', code: 'upstream_stream_error' }
  if (!fixture.expect.done) return { kind: 'error', code: 'upstream_stream_incomplete' }
  return { kind: 'ok' }
}

async function expectFaithfulStream(fixture: Fixture, writes: Array<Uint8Array | number>) {
  const { res, received, requestId } = await replay(fixture, writes)
  expect(res.status).toBe(fixture.status)
  expect(res.headers.get('content-type')).toBe(fixture.contentType)
  expect(received.equals(fixture.bytes)).toBe(true)

  const seen = await gw.responseOf(requestId)
  expect(seen.outcome).toMatchObject(expectedOutcome(fixture))
  expect(seen.response?.status).toBe(fixture.status)
  expect(inManifestTerms(seen.response?.body as object)).toEqual(fixture.expect.choices)
  if (fixture.expect.usage === null) expect(seen.usage).toBeNull()
  else expect(flatUsage(seen.usage)).toMatchObject(fixture.expect.usage)
  expect(seen.timings.firstByteAt).toBeGreaterThanOrEqual(seen.timings.upstreamAt!)
  expect(seen.timings.finishedAt).toBeGreaterThanOrEqual(seen.timings.firstByteAt!)
  expect(gw.seen.filter((s) => s.requestId === requestId)).toHaveLength(1)
}

describe('replaying every stream fixture through the gateway', () => {
  it.each(streams.map((f) => [f.file, f] as const))('%s in one write', async (_, fixture) => {
    await expectFaithfulStream(fixture, [fixture.bytes])
  })

  const splits = streams.flatMap((f) => f.splits.map((s) => [f.file, s.offset, f] as const))
  it.each(splits)('%s split at byte %i', async (_, offset, fixture) => {
    const [head, tail] = splitAt(fixture.bytes, [offset])
    // A pause between the writes, so the gateway reads them apart.
    await expectFaithfulStream(fixture, [head!, 5, tail!])
  })

  it.each(streams.map((f) => [f.file, f] as const))('%s one byte per write', async (_, f) => {
    await expectFaithfulStream(f, oneBytePerSlice(f.bytes))
  })
})

describe('replaying every body fixture through the gateway', () => {
  it.each(bodies.map((f) => [f.file, f] as const))('%s', async (_, fixture) => {
    const { res, received, requestId } = await replay(fixture, [fixture.bytes])
    expect(res.status).toBe(fixture.status)
    expect(res.headers.get('content-type')).toBe(fixture.contentType)
    expect(received.equals(fixture.bytes)).toBe(true)
    // Only the inference endpoints run the chain; the rest is relayed untouched.
    if (fixture.method !== 'POST') return
    const seen = await gw.responseOf(requestId)
    const body = JSON.parse(fixture.bytes.toString('utf8'))
    expect(seen.response?.body).toEqual(body)
    expect(seen.usage).toEqual(normalizeUsage(body.usage))
    expect(seen.outcome.kind).toBe(fixture.status < 400 ? 'ok' : 'error')
  })
})
