import type { Endpoint } from '../filter.ts'
import { StreamAggregator } from './aggregate.ts'
import { SseReader } from './sse-reader.ts'

/** Spacing of a stream's data events as the gateway received them. */
export interface ChunkTimings {
  count: number
  meanGapMs: number
  maxGapMs: number
}

/**
 * Watches the bytes of a forwarded stream without ever holding them: parses and aggregates
 * them, and notes when the first byte, the first token and each data event arrived.
 * A failure inside parsing stops the observation, never the stream.
 */
export class StreamTap {
  readonly aggregator: StreamAggregator
  readonly reader: SseReader
  firstByteAt: number | undefined
  firstTokenAt: number | undefined
  /** Why aggregation stopped early, if it did. */
  broken: unknown = undefined
  #events = 0
  #lastEventAt = 0
  #gapTotal = 0
  #gapMax = 0

  constructor(endpoint: Endpoint) {
    const aggregator = new StreamAggregator(endpoint)
    this.aggregator = aggregator
    this.reader = new SseReader({
      onEvent: (event) => {
        if (aggregator.push(event)) this.firstTokenAt = Date.now()
        if (event.data !== '[DONE]') this.#countEvent()
      },
      onUnknownField: (field) => aggregator.pushUnknownField(field),
    })
  }

  push(chunk: Uint8Array): void {
    this.firstByteAt ??= Date.now()
    if (this.broken !== undefined) return
    try {
      this.reader.push(chunk)
    } catch (err) {
      this.broken = err
    }
  }

  end(): void {
    if (this.broken !== undefined) return
    try {
      this.reader.end()
    } catch (err) {
      this.broken = err
    }
  }

  chunkTimings(): ChunkTimings {
    const gaps = this.#events - 1
    return {
      count: this.#events,
      meanGapMs: gaps > 0 ? this.#gapTotal / gaps : 0,
      maxGapMs: this.#gapMax,
    }
  }

  #countEvent(): void {
    const now = performance.now()
    if (this.#events > 0) {
      const gap = now - this.#lastEventAt
      this.#gapTotal += gap
      if (gap > this.#gapMax) this.#gapMax = gap
    }
    this.#lastEventAt = now
    this.#events++
  }
}
