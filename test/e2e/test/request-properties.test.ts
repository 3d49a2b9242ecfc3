import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'

const VALID = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }

// Random bodies of every kind: bytes, text, any JSON, and valid requests broken in one place.
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')),
  fc
    .record({
      key: fc.constantFrom('model', 'messages', 'stream', 'max_tokens'),
      value: fc.anything(),
    })
    .map(({ key, value }) => Buffer.from(safeStringify({ ...VALID, [key]: value }))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
    const text = Buffer.from(JSON.stringify(VALID))
    const cut = at % text.length
    return Buffer.concat([text.subarray(0, cut), Buffer.from(bytes), text.subarray(cut)])
  }),
)

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return '{'
  }
}

describe('random and mutated request bodies against the real gateway', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  const seen = { onResponse: 0 }

  beforeAll(async () => {
    upstream = await startFakeUpstream((_, res) => sendJson(res, 200, chatAnswer()))
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry({ name: 'Counter', onResponse: () => void seen.onResponse++ })],
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  it('answers every body with a well-formed response and keeps serving', async () => {
    let answered = 0
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        const json = (await res.json()) as any
        expect(res.headers.get('x-request-id')).toBeTruthy()
        if (res.status === 200) {
          expect(json.choices[0].message.content).toBe('hello')
          answered++
        } else {
          expect(res.status).toBe(400)
          expect(json.error.type).toBe('invalid_request_error')
          expect(typeof json.error.message).toBe('string')
          expect(json.error.message).not.toMatch(/\bat .+:\d+:\d+/)
        }
      }),
      { numRuns: 300 },
    )
    // Every request that got through ran the response hooks once; the gateway still serves.
    expect(seen.onResponse).toBe(answered)
    expect(upstream.requests.length).toBe(answered)
    const ok = await t.client.chat.completions.create(VALID as any)
    expect(ok.choices[0]!.message.content).toBe('hello')
  })
})
