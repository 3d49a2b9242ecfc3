import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StreamTap } from '../src/stream/stream-tap.ts'

// Random chat streams in random (legal) SSE framing: whatever the split, the aggregate is the
// same, and it holds exactly the text that was streamed.

type Delta =
  | { choice: number; kind: 'content' | 'reasoning_content' | 'reasoning'; text: string }
  | { choice: number; kind: 'tool'; tool: number; args: string }

const text = fc.string({ unit: 'grapheme', maxLength: 8 })
const delta: fc.Arbitrary<Delta> = fc.oneof(
  fc.record({
    choice: fc.integer({ min: 0, max: 2 }),
    kind: fc.constantFrom('content' as const, 'reasoning_content' as const, 'reasoning' as const),
    text,
  }),
  fc.record({
    choice: fc.integer({ min: 0, max: 2 }),
    kind: fc.constant('tool' as const),
    tool: fc.integer({ min: 0, max: 1 }),
    args: text,
  }),
)
const framing = fc.record({
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  space: fc.boolean(),
  pretty: fc.boolean(),
  comments: fc.boolean(),
})
type Framing = typeof framing extends fc.Arbitrary<infer F> ? F : never

function chunkOf(d: Delta): object {
  const body =
    d.kind === 'tool'
      ? {
          tool_calls: [
            {
              index: d.tool,
              id: `call_${d.tool}`,
              function: { name: `f${d.tool}`, arguments: d.args },
            },
          ],
        }
      : { [d.kind]: d.text }
  return { id: 'x', choices: [{ index: d.choice, delta: body, finish_reason: null }] }
}

function render(deltas: Delta[], f: Framing): Buffer {
  const field = f.space ? 'data: ' : 'data:'
  const event = (data: string) =>
    data
      .split('\n')
      .map((line) => field + line + f.eol)
      .join('') + f.eol
  const parts = deltas.map((d) => {
    const json = JSON.stringify(chunkOf(d), null, f.pretty ? 1 : undefined)
    return (f.comments ? `: keep-alive${f.eol}` : '') + event(json)
  })
  return Buffer.from(parts.join('') + event('[DONE]'))
}

function aggregateOf(bytes: Buffer, cuts: number[]) {
  const tap = new StreamTap('chat.completions')
  let from = 0
  for (const cut of [...cuts.filter((c) => c < bytes.length)].sort((a, b) => a - b)) {
    tap.push(bytes.subarray(from, cut))
    from = cut
  }
  tap.push(bytes.subarray(from))
  tap.end()
  return tap.aggregator
}

/** What each choice must hold: the streamed text of each kind, concatenated in order. */
function expected(deltas: Delta[]) {
  const out = new Map<number, { content: string; reasoning: string; tools: string[] }>()
  for (const d of deltas) {
    const c = out.get(d.choice) ?? { content: '', reasoning: '', tools: [] }
    out.set(d.choice, c)
    if (d.kind === 'content') c.content += d.text
    else if (d.kind === 'tool') c.tools[d.tool] = (c.tools[d.tool] ?? '') + d.args
    else c.reasoning += d.text
  }
  return out
}

describe('stream aggregation under any split', () => {
  it('gives the same aggregate for every split of a valid stream', () => {
    fc.assert(
      fc.property(
        fc.array(delta, { minLength: 1, maxLength: 12 }),
        framing,
        fc.array(fc.nat(), { maxLength: 16 }),
        (deltas, f, rawCuts) => {
          const bytes = render(deltas, f)
          const cuts = rawCuts.map((c) => c % bytes.length)
          const whole = aggregateOf(bytes, [])
          const split = aggregateOf(bytes, cuts)
          expect(split.result()).toEqual(whole.result())
          expect(split.done).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('holds exactly the streamed text, reasoning and tool arguments of each choice', () => {
    fc.assert(
      fc.property(fc.array(delta, { minLength: 1, maxLength: 12 }), framing, (deltas, f) => {
        const bytes = render(deltas, f)
        const oneByteReads = Array.from(bytes.keys())
        const body = aggregateOf(bytes, oneByteReads).result() as any
        for (const [index, want] of expected(deltas)) {
          const message = body.choices.find((c: any) => c.index === index).message
          expect(message.content ?? '').toBe(want.content)
          expect(message.reasoning_content ?? '').toBe(want.reasoning)
          const args = (message.tool_calls ?? []).map((t: any) => t.function.arguments)
          expect(args).toEqual(want.tools.filter((t) => t !== undefined))
        }
      }),
      { numRuns: 100 },
    )
  })
})
