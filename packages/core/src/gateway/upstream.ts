import { Agent, type Dispatcher, errors as undiciErrors } from 'undici'
import { ErrorCodes, IOChainError } from '../errors.ts'

export interface UpstreamOptions {
  /** Base URL as an OpenAI client would take it: `http://127.0.0.1:8000/v1` or without `/v1`. */
  url: string
  /** Sent as `authorization: Bearer ...`; the client's own credentials are then not forwarded. */
  apiKey?: string
  /** Time to wait for the upstream's response headers. */
  headersTimeoutMs?: number
  /** Longest silence allowed between body chunks (a stream's tokens included). */
  bodyTimeoutMs?: number
  connectTimeoutMs?: number
  /** Keep-alive connections per upstream origin. */
  connections?: number
}

export interface UpstreamRequest {
  method: string
  /** The client's path and query, such as `/v1/chat/completions`. */
  path: string
  headers: Record<string, string | string[]>
  body?: Buffer | NodeJS.ReadableStream | null
  signal?: AbortSignal
}

/** What failed when the upstream gave no response, as the client and filters see it. */
export interface UpstreamFailure {
  status: 502 | 504
  code: 'upstream_unreachable' | 'upstream_timeout' | 'upstream_error'
  message: string
}

/** A keep-alive pool to one upstream base URL. */
export class Upstream {
  readonly origin: string
  readonly apiKey: string | undefined
  readonly #basePath: string
  readonly #stripV1: boolean
  readonly #agent: Agent

  constructor(options: UpstreamOptions) {
    let url: URL
    try {
      url = new URL(options.url)
    } catch (err) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
        `upstream.url must be an http(s) URL, got \`${options.url}\``,
        { cause: err },
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
        `upstream.url must be an http(s) URL, got \`${options.url}\``,
      )
    }
    this.origin = url.origin
    this.apiKey = options.apiKey
    this.#basePath = url.pathname.replace(/\/+$/, '')
    this.#stripV1 = this.#basePath.endsWith('/v1')
    this.#agent = new Agent({
      connections: options.connections ?? 128,
      // Below the 5 s idle timeout of uvicorn (vLLM, SGLang) and Node, so that the pool drops a
      // connection before the upstream does; a `keep-alive: timeout=` hint shortens it further.
      keepAliveTimeout: 4_000,
      headersTimeout: options.headersTimeoutMs ?? 300_000,
      bodyTimeout: options.bodyTimeoutMs ?? 300_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    })
  }

  /** The upstream path for a client path: `/v1/x` maps onto a base that already ends in `/v1`. */
  pathFor(clientPath: string): string {
    if (
      this.#stripV1 &&
      (clientPath === '/v1' || clientPath.startsWith('/v1/') || clientPath.startsWith('/v1?'))
    ) {
      return this.#basePath + clientPath.slice(3)
    }
    return this.#basePath + clientPath
  }

  /**
   * Sends one request. A request whose body can be sent again is retried once, on a fresh
   * connection, when the connection broke before any answer: the upstream closing an idle
   * keep-alive connection just as a request went out on it must not fail that request.
   */
  async request(req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    try {
      return await this.#send(req)
    } catch (err) {
      if (!isReplayable(req) || !isBrokenConnection(err) || req.signal?.aborted) throw err
      // Known shortcoming: an upstream that read the whole request and then reset gets it twice.
      return this.#send(req)
    }
  }

  #send(req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    return this.#agent.request({
      origin: this.origin,
      path: this.pathFor(req.path),
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body as Dispatcher.DispatchOptions['body'],
      signal: req.signal,
    })
  }

  close(): Promise<void> {
    return this.#agent.close()
  }
}

// Known shortcoming: a pass-through body streamed from the client cannot be sent twice, so such
// a request still fails with 502 when it meets a connection the upstream just closed.
function isReplayable(req: UpstreamRequest): boolean {
  return req.body === null || req.body === undefined || Buffer.isBuffer(req.body)
}

// A reset or a close before the status line; a refused connection is not retried.
function isBrokenConnection(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET'
}

/** Classifies an error from undici for the client's 502/504. */
export function describeUpstreamFailure(err: unknown): UpstreamFailure {
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  ) {
    return {
      status: 504,
      code: 'upstream_timeout',
      message: 'The upstream did not answer in time.',
    }
  }
  const code = (err as { code?: string } | undefined)?.code
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET'
  ) {
    return {
      status: 502,
      code: 'upstream_unreachable',
      message: 'The upstream could not be reached.',
    }
  }
  return { status: 502, code: 'upstream_error', message: 'The upstream request failed.' }
}
