import type { IncomingMessage } from 'node:http'

/** Why a request body was not read to its end; the gateway answers with `status`. */
export class BodyReadError extends Error {
  override name = 'BodyReadError'
  constructor(
    readonly status: 408 | 413,
    readonly code: 'request_timeout' | 'request_too_large',
    message: string,
  ) {
    super(message)
  }
}

export interface BodyLimits {
  /** Largest body accepted, in bytes. */
  bytes: number
  /** Time the whole body may take to arrive, from the first read. */
  timeoutMs: number
}

/**
 * Reads the whole body, refusing as soon as it passes the size limit (a declared length over it
 * before reading a byte) or takes longer than the time limit. On refusal the request stream is
 * left undestroyed, so that the error response can still reach the client.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limits.bytes) {
    return Promise.reject(tooLarge(limits.bytes))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = (err: Error) => {
      cleanup()
      // Whatever else arrives is discarded, never buffered, until the connection closes.
      req.resume()
      reject(err)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limits.bytes) return stop(tooLarge(limits.bytes))
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const timer = setTimeout(() => {
      const seconds = limits.timeoutMs / 1000
      stop(
        new BodyReadError(
          408,
          'request_timeout',
          `The request body did not arrive within ${seconds} s.`,
        ),
      )
    }, limits.timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
    }
    const onAborted = () => onError(new Error('The client aborted the request body.'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

function tooLarge(limit: number): BodyReadError {
  return new BodyReadError(
    413,
    'request_too_large',
    `The request body is larger than the limit of ${limit} bytes.`,
  )
}
