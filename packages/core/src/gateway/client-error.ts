import type { Duplex } from 'node:stream'
import { openAIErrorBody } from './openai-error.ts'

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request headers are too large.',
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'The chunk extensions are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive in time.'],
}
const MALFORMED: [number, string, string] = [
  400,
  'Bad Request',
  'The request is not well-formed HTTP/1.1.',
]

/**
 * node:http's `clientError`: a request its parser refused (ambiguous framing, bad header bytes,
 * headers too large or too slow). Answered with an OpenAI-shaped error when nothing was written on
 * the connection yet, as node's own handler does, and the connection closed.
 */
export function answerClientError(err: Error, socket: Duplex): void {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ECONNRESET' || !socket.writable || bytesWritten(socket) > 0) {
    socket.destroy()
    return
  }
  const [status, reason, message] = ANSWERS[code ?? ''] ?? MALFORMED
  const body = openAIErrorBody(status, { message, type: 'invalid_request_error' })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

function bytesWritten(socket: Duplex): number {
  return (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0
}
