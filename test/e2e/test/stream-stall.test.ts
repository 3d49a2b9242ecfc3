import type { IOContext, Outcome } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { startFakeUpstream } from '../src/fake-upstream.ts'
import { entry, startTestGateway } from '../src/harness.ts'

const chunk = (content: string) =>
  `data: ${JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`

describe('an upstream that falls silent mid-stream', () => {
  it('is cut after the body timeout: the client keeps what came, filters see error', async () => {
    const upstream = await startFakeUpstream((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(chunk('first '))
      res.write(chunk('second'))
      // ...and nothing more, without closing the connection.
    })
    const outcomes: Outcome[] = []
    const t = await startTestGateway({
      upstreamUrl: upstream.url,
      upstream: { bodyTimeoutMs: 300 },
      instances: [
        entry({
          name: 'Observer',
          onResponse: (ctx: IOContext) => void outcomes.push(ctx.outcome),
        }),
      ],
    })
    try {
      const stream = await t.client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      })
      const received: string[] = []
      const ended = await (async () => {
        for await (const part of stream) received.push(part.choices[0]?.delta.content ?? '')
      })().then(
        () => 'clean end',
        () => 'broken',
      )
      // No invented clean end: the openai client sees the connection fail.
      expect(received.join('')).toBe('first second')
      expect(ended).toBe('broken')
      while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(outcomes[0]).toMatchObject({ kind: 'error', code: 'upstream_stream_failed' })
      expect(upstream.aborted).toHaveLength(1)
    } finally {
      await t.close()
      await upstream.close()
    }
  })
})
