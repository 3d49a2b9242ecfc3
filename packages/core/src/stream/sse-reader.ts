import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'

/** A field line the SSE grammar does not know, such as an `error:` line of older llama.cpp. */
export interface UnknownField {
  field: string
  value: string
}

export interface SseReaderCallbacks {
  onEvent(event: EventSourceMessage): void
  onUnknownField?(field: UnknownField): void
}

export interface SseReaderOptions {
  /** Characters one unfinished line or event may hold before parsing stops; 16 Mi unless given. */
  maxBufferChars?: number
}

const DEFAULT_MAX_BUFFER_CHARS = 16 * 1024 * 1024

/**
 * Turns raw stream bytes into SSE events for aggregation. UTF-8 is decoded in streaming mode, so
 * a character split across reads is joined before parsing; framing (CR, LF, a CRLF split across
 * reads, comments, multi-line data) is eventsource-parser's job.
 *
 * Only whole lines are fed to the parser: it drops a partial line that does not start like a
 * known field, which would lose an unknown field line split across reads.
 */
export class SseReader {
  /** Events dispatched, `[DONE]` included. */
  events = 0
  /** Comment lines seen (keep-alive pings among them). */
  comments = 0
  /** Parsing stopped because one line or event outgrew the buffer limit. */
  overflowed = false
  readonly #decoder = new TextDecoder('utf-8')
  readonly #parser: EventSourceParser
  readonly #maxChars: number
  #pending: string[] = []
  #pendingChars = 0

  constructor(callbacks: SseReaderCallbacks, options: SseReaderOptions = {}) {
    this.#maxChars = options.maxBufferChars ?? DEFAULT_MAX_BUFFER_CHARS
    this.#parser = createParser({
      maxBufferSize: this.#maxChars,
      onEvent: (event) => {
        this.events++
        callbacks.onEvent(event)
      },
      onComment: () => {
        this.comments++
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.overflowed = true
        if (error.type === 'unknown-field' && error.field !== undefined) {
          callbacks.onUnknownField?.({ field: error.field, value: error.value ?? '' })
        }
      },
    })
  }

  push(chunk: Uint8Array): void {
    if (this.overflowed) return
    this.#feedLines(this.#decoder.decode(chunk, { stream: true }))
  }

  /** Flushes a trailing partial character; an unterminated last event is not dispatched. */
  end(): void {
    if (this.overflowed) return
    this.#feedLines(this.#decoder.decode())
  }

  // Feeds everything up to the last line terminator and keeps the rest for the next read.
  #feedLines(text: string): void {
    if (text === '') return
    const cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1
    if (cut === 0) {
      this.#hold(text)
      return
    }
    const head = text.slice(0, cut)
    const lines = this.#pendingChars > 0 ? this.#pending.join('') + head : head
    this.#pending = []
    this.#pendingChars = 0
    this.#parser.feed(lines)
    if (cut < text.length) this.#hold(text.slice(cut))
  }

  #hold(text: string): void {
    this.#pending.push(text)
    this.#pendingChars += text.length
    if (this.#pendingChars > this.#maxChars) {
      this.overflowed = true
      this.#pending = []
    }
  }
}
