import type { EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { SseReader, type UnknownField } from '../src/stream/sse-reader.ts'

function read(reads: Array<string | Uint8Array>, maxBufferChars?: number) {
  const events: EventSourceMessage[] = []
  const unknown: UnknownField[] = []
  const reader = new SseReader(
    { onEvent: (e) => events.push(e), onUnknownField: (f) => unknown.push(f) },
    { maxBufferChars },
  )
  for (const r of reads) reader.push(typeof r === 'string' ? Buffer.from(r) : r)
  reader.end()
  return { events, unknown, reader }
}

const bytesOf = (text: string) => Array.from(Buffer.from(text), (b) => Uint8Array.of(b))

describe('SseReader', () => {
  it('treats a CR LF pair split across reads as one line end', () => {
    const { events } = read(['data: a\r', '\ndata: b\r\n\r', '\n'])
    expect(events.map((e) => e.data)).toEqual(['a\nb'])
  })

  it('accepts data with and without the space, bare CR ends and multi-line data', () => {
    const { events } = read(['data:x\r\rdata:  y\n\ndata: {\ndata: "k": 1}\n\n'])
    expect(events.map((e) => e.data)).toEqual(['x', ' y', '{\n"k": 1}'])
  })

  it('counts comments and keep-alives without dispatching them', () => {
    const { events, reader } = read([': ping\r\n\r\n:\n\ndata: 1\n\n'])
    expect(events.map((e) => e.data)).toEqual(['1'])
    expect(reader.comments).toBe(2)
    expect(reader.events).toBe(1)
  })

  it('joins a multi-byte character split across reads', () => {
    const { events } = read(bytesOf('data: 🦙 ü 你\n\n'))
    expect(events.map((e) => e.data)).toEqual(['🦙 ü 你'])
  })

  it('reports an unknown field whole even when it arrives one byte at a time', () => {
    const { unknown, events } = read(bytesOf('data: 1\n\nerror: {"message":"x"}\n\n'))
    expect(unknown).toEqual([{ field: 'error', value: '{"message":"x"}' }])
    expect(events).toHaveLength(1)
  })

  it('drops an event the stream never terminated', () => {
    const { events } = read(['data: 1\n\ndata: 2'])
    expect(events.map((e) => e.data)).toEqual(['1'])
  })

  it('stops parsing, without throwing, when one line outgrows the buffer limit', () => {
    const { events, reader } = read(['data: 1\n\n', `data: ${'x'.repeat(50)}`, 'x'.repeat(50)], 64)
    expect(reader.overflowed).toBe(true)
    expect(events.map((e) => e.data)).toEqual(['1'])
  })
})
