import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'

/**
 * Turns raw stream bytes into SSE events for aggregation. UTF-8 is decoded in streaming mode, so
 * a character split across reads is joined before parsing; framing (CR, LF, CRLF split across
 * reads, comments, multi-line data) is eventsource-parser's job.
 */
export class SseReader {
  readonly #decoder = new TextDecoder('utf-8')
  readonly #parser: EventSourceParser

  constructor(onEvent: (event: EventSourceMessage) => void) {
    this.#parser = createParser({ onEvent })
  }

  push(chunk: Uint8Array): void {
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }))
  }

  /** Flushes a trailing partial character; an unterminated last event is not dispatched. */
  end(): void {
    const rest = this.#decoder.decode()
    if (rest) this.#parser.feed(rest)
  }
}
