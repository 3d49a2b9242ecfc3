import {
  createGateway,
  type Gateway,
  IOChain,
  type IOContext,
  type ResolvedFilter,
} from '@iochain/core'

/** What `onResponse` saw, copied at the time it ran. */
export interface SeenResponse {
  requestId: string
  outcome: IOContext['outcome']
  response: IOContext['response']
  usage: IOContext['usage']
  timings: IOContext['timings']
}

export interface RecordingGateway {
  gateway: Gateway
  /** Base URL with `/v1`. */
  baseURL: string
  /** Every `onResponse` call, in order. */
  seen: SeenResponse[]
  /** Resolves with the `onResponse` call of a request once it happened. */
  responseOf(requestId: string): Promise<SeenResponse>
  close(): Promise<void>
}

/**
 * A real gateway in front of `upstreamUrl` with one blocking filter recording `onResponse`;
 * `hold`, when given, is awaited inside that hook after the recording.
 */
export async function startRecordingGateway(
  upstreamUrl: string,
  hold?: () => Promise<void>,
): Promise<RecordingGateway> {
  const seen: SeenResponse[] = []
  const waiters = new Map<string, (s: SeenResponse) => void>()
  const recorder: ResolvedFilter = {
    name: 'recorder',
    blocking: true,
    failMode: 'closed',
    strict: false,
    credentials: false,
    filter: {
      async onResponse(ctx: IOContext) {
        const copy = structuredClone({
          requestId: ctx.requestId,
          outcome: ctx.outcome,
          response: ctx.response,
          usage: ctx.usage,
          timings: ctx.timings,
        })
        seen.push(copy)
        waiters.get(ctx.requestId)?.(copy)
        await hold?.()
      },
    },
  }
  const gateway = createGateway({ chain: new IOChain([recorder]), upstream: { url: upstreamUrl } })
  await gateway.listen(0, '127.0.0.1')
  return {
    gateway,
    baseURL: `${gateway.url}/v1`,
    seen,
    responseOf(requestId) {
      const done = seen.find((s) => s.requestId === requestId)
      if (done) return Promise.resolve(done)
      return new Promise((resolve) => waiters.set(requestId, resolve))
    },
    close: () => gateway.close({ deadlineMs: 2_000 }),
  }
}
