import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { IOChain } from '../chain.ts'
import { ErrorCodes, IOChainError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { createSilentLogger } from '../logger.ts'
import { answerClientError } from './client-error.ts'
import type { GatewayDeps } from './exchange.ts'
import { handleFiltered } from './handle-filtered.ts'
import { sendError } from './openai-error.ts'
import { refusalByHeaders } from './parse-request.ts'
import { passThrough } from './pass-through.ts'
import { pickRequestId } from './request-id.ts'
import { routeOf } from './routes.ts'
import { Upstream, type UpstreamOptions } from './upstream.ts'

export interface GatewayOptions {
  chain: IOChain
  upstream: UpstreamOptions
  logger?: Logger
  limits?: {
    /** Largest request body accepted on the filtered routes; 64 MiB unless given. */
    bodyBytes?: number
    /** Time a request body may take to arrive on the filtered routes; 60 s unless given. */
    bodyTimeoutMs?: number
  }
}

export interface CloseOptions {
  /** How long in-flight requests and background hooks may take before being cut. */
  deadlineMs?: number
}

export interface Gateway {
  readonly server: Server
  readonly chain: IOChain
  /** `http://host:port` once listening. */
  readonly url: string
  listen(port?: number, host?: string): Promise<AddressInfo>
  /** Stops accepting, lets in-flight requests finish, drains hooks, closes filters. */
  close(options?: CloseOptions): Promise<void>
}

const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024
const DEFAULT_BODY_TIMEOUT_MS = 60_000

/** The OpenAI-compatible gateway: a node:http server running a chain in front of an upstream. */
export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger ?? createSilentLogger()
  const deps: GatewayDeps = {
    chain: options.chain,
    upstream: new Upstream(options.upstream),
    logger,
    bodyLimits: {
      bytes: positiveLimit('limits.bodyBytes', options.limits?.bodyBytes, DEFAULT_BODY_LIMIT),
      timeoutMs: positiveLimit(
        'limits.bodyTimeoutMs',
        options.limits?.bodyTimeoutMs,
        DEFAULT_BODY_TIMEOUT_MS,
      ),
    },
  }
  // With no filter, every request takes the pass-through path: no parsing, no context.
  const fastPath = options.chain.isEmpty
  let inFlight = 0
  let idle: (() => void) | undefined

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++
    const { endpoint, target } = routeOf(req.url ?? '/')
    let work: Promise<void>
    if (endpoint && !fastPath && req.method === 'POST') {
      work = handleFiltered(deps, req, res, endpoint, target)
    } else if (endpoint && !fastPath && req.method !== 'OPTIONS') {
      // CORS preflights still reach the upstream; any other method is a client mistake.
      work = refuseMethod(res)
    } else {
      const requestId = endpoint ? pickRequestId(req.headers['x-request-id']) : undefined
      work = passThrough(deps, req, res, target, requestId)
    }
    work
      .catch((err: unknown) => {
        logger.error({ err, path: req.url }, 'unexpected gateway failure')
        sendError(res, 500, { message: 'The gateway failed unexpectedly.', type: 'server_error' })
      })
      // Counted until the response hooks ran, not until the socket closed.
      .finally(() => {
        if (--inFlight === 0) idle?.()
      })
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, onRequest)
  // A body that would be refused unread is not asked for: no `100 Continue` before the answer.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (fastPath || !refusedUnread(req, deps.bodyLimits.bytes)) res.writeContinue()
    onRequest(req, res)
  })
  server.on('clientError', answerClientError)
  let url = ''

  return {
    server,
    chain: options.chain,
    get url() {
      return url
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const address = server.address() as AddressInfo
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
          url = `http://${shownHost}:${address.port}`
          resolve(address)
        })
      })
    },
    async close({ deadlineMs = 10_000 } = {}) {
      // One deadline for the whole shutdown: hooks and the worker pool get what requests left.
      const deadline = Date.now() + deadlineMs
      const left = () => Math.max(0, deadline - Date.now())
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      if (inFlight > 0) {
        const drained = new Promise<void>((resolve) => {
          idle = resolve
        })
        if (!(await settlesWithin(drained, deadlineMs))) {
          logger.warn({ inFlight }, 'shutdown deadline passed, closing open connections')
          server.closeAllConnections()
          await settlesWithin(drained, 1_000)
        }
      }
      server.closeAllConnections()
      await closed
      await options.chain.drain(left())
      await options.chain.close({ deadlineMs: left() })
      await deps.upstream.close()
    },
  }
}

/** A POST to a filtered route that `handleFiltered` answers before reading its body. */
function refusedUnread(req: IncomingMessage, limit: number): boolean {
  if (req.method !== 'POST' || !routeOf(req.url ?? '/').endpoint) return false
  const declared = Number(req.headers['content-length'])
  return refusalByHeaders(req.headers) !== undefined || declared > limit
}

async function refuseMethod(res: ServerResponse): Promise<void> {
  const message = 'This endpoint accepts only POST.'
  sendError(res, 405, { message, type: 'invalid_request_error' }, { allow: 'POST' })
}

function positiveLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
      `options.${name} must be a positive number, got ${String(value)}`,
    )
  }
  return value
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer))
}
