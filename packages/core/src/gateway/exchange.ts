import type { IncomingMessage, ServerResponse } from 'node:http'
import type { IOChain, RequestVerdict } from '../chain.ts'
import type { IOContext } from '../context.ts'
import type { Logger } from '../logger.ts'
import { sendError } from './openai-error.ts'
import type { BodyLimits } from './read-body.ts'
import type { Upstream } from './upstream.ts'

/** What every request handler of the gateway needs. */
export interface GatewayDeps {
  chain: IOChain
  upstream: Upstream
  logger: Logger
  bodyLimits: BodyLimits
}

/** One client request in flight through the chain: its context and its abort wiring. */
export class Exchange {
  readonly abort: AbortController = new AbortController()
  #clientGone = false

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly ctx: IOContext,
  ) {
    // 'close' before the response finished means the client went away: stop the upstream too.
    res.once('close', () => {
      if (res.writableFinished) return
      this.#clientGone = true
      this.abort.abort()
    })
  }

  get clientGone(): boolean {
    return this.#clientGone
  }

  markCancelled(): void {
    this.ctx.outcome = { kind: 'cancelled', message: 'The client disconnected.' }
  }
}

/** Answers a rejection or a failed filter, and records it on the context. */
export function sendVerdict(exchange: Exchange, verdict: RequestVerdict): void {
  const { res, ctx } = exchange
  if (verdict.kind === 'rejected') {
    const r = verdict.rejection
    sendError(res, r.status, r, r.headers)
    ctx.response = { status: r.status, headers: { ...r.headers }, body: null }
    return
  }
  const headers = verdict.headers ?? {}
  sendError(res, verdict.status, { message: verdict.message, code: verdict.code }, headers)
  ctx.response = { status: verdict.status, headers: { ...headers }, body: null }
}
