import { type IOContext, type IOFilter, IOFilterReject } from '@iochain/core'

/** Logs every request it sees and refuses models whose name starts with `forbidden`. */
export class HelloFilter implements IOFilter {
  onRequest(ctx: IOContext): void {
    if (ctx.model.startsWith('forbidden')) {
      throw new IOFilterReject(`model \`${ctx.model}\` is not allowed here`, {
        status: 403,
        code: 'model_not_allowed',
        param: 'model',
      })
    }
    ctx.metadata.helloStartedAt = Date.now()
    console.error(`[hello] ${ctx.requestId} -> ${ctx.endpoint} ${ctx.model}`)
  }

  onResponse(ctx: IOContext): void {
    const tokens = ctx.usage?.total_tokens ?? 'no'
    console.error(`[hello] ${ctx.requestId} <- ${ctx.outcome.kind}, ${tokens} tokens`)
  }
}
