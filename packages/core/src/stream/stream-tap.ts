import type { Transform } from 'node:stream'
import type { Endpoint } from '../filter.ts'
import { StreamAggregator } from './aggregate.ts'
import { createDecompressor } from './decompress.ts'
import { SseReader } from './sse-reader.ts'

/** Spacing of a stream's data events as the gateway received them. */
export interface ChunkTimings {
  count: number
  meanGapMs: number
  maxGapMs: number
}

export interface StreamTapOptions {
  /** The response's `content-encoding`: an encoded stream is decoded for parsing only. */
  contentEncoding?: string
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
  #decoder: Transform | null = null

  constructor(endpoint: Endpoint, options: StreamTapOptions = {}) {
    const aggregator = new StreamAggregator(endpoint)
    this.aggregator = aggregator
    this.reader = new SseReader({
      onEvent: (event) => {
        if (aggregator.push(event)) this.firstTokenAt = Date.now()
        if (event.data !== '[DONE]') this.#countEvent()
      },
      onUnknownField: (field) => aggregator.pushUnknownField(field),
    })
    try {
      this.#decoder = createDecompressor(options.contentEncoding)
    } catch (err) {
      this.broken = err
    }
    this.#decoder?.on('data', (decoded: Buffer) => this.#read(decoded))
    this.#decoder?.on('error', (err) => {
      this.broken ??= err
    })
  }

  push(chunk: Uint8Array): void {
    this.firstByteAt ??= Date.now()
    if (this.broken !== undefined) return
    if (this.#decoder) this.#decoder.write(chunk)
    else this.#read(chunk)
  }

  /** Parses what is left; resolves once an encoded stream's decoder has flushed. */
  async end(): Promise<void> {
    const decoder = this.#decoder
    if (decoder && this.broken === undefined) {
      await new Promise<void>((resolve) => {
        decoder.once('end', resolve).once('error', () => resolve())
        decoder.end()
        decoder.resume()
      })
    }
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

  #read(bytes: Uint8Array): void {
    if (this.broken !== undefined) return
    try {
      this.reader.push(bytes)
    } catch (err) {
      this.broken = err
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
