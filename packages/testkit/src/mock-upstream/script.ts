/** Settings every scripted reply may carry. */
interface ReplyBase {
  /** HTTP status; 200 unless given (500 for `error`). */
  status?: number
  headers?: Record<string, string>
  /** Wait this long before sending the status line, as a slow upstream would. */
  latencyMs?: number
}

/** A complete JSON body. */
export interface JsonReply extends ReplyBase {
  json: unknown
}

/** An SSE stream given as events: objects are sent as `data: <JSON>`, strings as they are. */
export interface EventsReply extends ReplyBase {
  events: unknown[]
  /** Send `data: [DONE]` after the events; true unless given. */
  done?: boolean
  /** A number: the pause between events. A list: the pause before each event. */
  delayMs?: number | number[]
  /** Cut the connection after this many events, without a clean end. */
  dropAfter?: number
}

/** Exact bytes, written in the pieces `splitAt` (byte offsets) cuts them into. */
export interface BytesReply extends ReplyBase {
  body: string | Uint8Array
  splitAt?: number[]
  /** A number: the pause between pieces. A list: the pause before each piece. */
  delayMs?: number | number[]
  /** Cut the connection after this many pieces, without a clean end. */
  dropAfter?: number
}

/** An OpenAI-shaped error body. */
export interface ErrorReply extends ReplyBase {
  error: string | { message: string; type?: string; code?: string | null; param?: string | null }
}

/** Close the connection without answering. */
export interface DropReply {
  drop: true
  latencyMs?: number
}

export type UpstreamReply = JsonReply | EventsReply | BytesReply | ErrorReply | DropReply

/** A request the mock upstream received. */
export interface RecordedRequest {
  method: string
  /** Path and query, such as `/v1/chat/completions`. */
  path: string
  /** Lower-case names. */
  headers: Record<string, string>
  /** The raw body as text. */
  body: string
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown
  receivedAt: number
  /** The client went away before the reply was complete. */
  aborted: boolean
}

/**
 * What the upstream answers: one reply for every request, a list used in turn, or a function
 * of the request. A request the script leaves unanswered (list used up, function returning
 * `undefined`) gets the embedded mock model's answer.
 */
export type UpstreamScript =
  | UpstreamReply
  | UpstreamReply[]
  | ((request: RecordedRequest) => UpstreamReply | undefined | Promise<UpstreamReply | undefined>)
