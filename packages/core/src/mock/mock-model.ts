import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  countTokens,
  embed,
  promptText,
  repeatTokens,
  replyTokens,
  tokenBudget,
} from './answers.ts'

export interface MockModelOptions {
  port?: number
  host?: string
  /** Pause between streamed chunks, to imitate generation speed. */
  chunkDelayMs?: number
  /** Model ids listed by `GET /v1/models`. */
  models?: string[]
  /** Length of every reply in tokens, the usual reply repeated to fill it (for paced streams). */
  replyTokens?: number
}

export interface MockModel {
  readonly server: Server
  /** Base URL including `/v1`, as an OpenAI client takes it. */
  readonly url: string
  close(): Promise<void>
}

type Body = Record<string, unknown>

/**
 * An OpenAI-compatible model that answers deterministically: chat and completions (streaming or
 * not, with `max_tokens`, `n` and `stream_options.include_usage`), embeddings and model listing.
 */
export async function startMockModel(options: MockModelOptions = {}): Promise<MockModel> {
  const models = options.models ?? ['mock-model', 'mock-embedding']
  const length = options.replyTokens
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) {
    throw new RangeError(`options.replyTokens must be a non-negative integer, got ${length}`)
  }
  const pace = { delay: options.chunkDelayMs ?? 0, length }
  const server = createServer((req, res) => {
    route(req, res, models, pace).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  )
  const { port, address } = server.address() as AddressInfo
  return {
    server,
    url: `http://${address}:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

interface Pace {
  delay: number
  length: number | undefined
}

async function route(req: IncomingMessage, res: ServerResponse, models: string[], pace: Pace) {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method === 'GET' && path === '/v1/models') {
    return sendJson(res, 200, {
      object: 'list',
      data: models.map((id) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'iochain',
      })),
    })
  }
  if (req.method !== 'POST') return sendError(res, 404, `No route for ${req.method} ${path}.`)
  const body = await readJson(req)
  if (!body) return sendError(res, 400, 'The request body is not a JSON object.')
  if (path === '/v1/chat/completions') return complete(res, body, 'chat', pace)
  if (path === '/v1/completions') return complete(res, body, 'text', pace)
  if (path === '/v1/embeddings') return sendJson(res, 200, embeddings(body))
  return sendError(res, 404, `No route for POST ${path}.`)
}

async function complete(res: ServerResponse, body: Body, kind: 'chat' | 'text', pace: Pace) {
  const delay = pace.delay
  const all = repeatTokens(replyTokens(body), pace.length)
  const tokens = all.slice(0, tokenBudget(body, all.length))
  const finish = tokens.length < all.length ? 'length' : 'stop'
  const n = typeof body.n === 'number' && body.n > 0 ? Math.min(body.n, 8) : 1
  const prompt = countTokens(promptText(body))
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: tokens.length * n,
    total_tokens: prompt + tokens.length * n,
  }
  const head = {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'mock-model',
  }
  if (body.stream === true)
    return stream(res, body, { kind, tokens, finish, n, usage, head, delay })
  const text = tokens.join('')
  const choices = Array.from({ length: n }, (_, index) =>
    kind === 'chat'
      ? {
          index,
          message: { role: 'assistant', content: text },
          logprobs: null,
          finish_reason: finish,
        }
      : { index, text, logprobs: null, finish_reason: finish },
  )
  sendJson(res, 200, {
    ...head,
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    choices,
    usage,
  })
}

interface StreamPlan {
  kind: 'chat' | 'text'
  tokens: string[]
  finish: string
  n: number
  usage: Record<string, number>
  head: Record<string, unknown>
  delay: number
}

async function stream(res: ServerResponse, body: Body, plan: StreamPlan) {
  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
  const object = plan.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
  const send = (choices: unknown[], usage?: unknown) => {
    const chunk = {
      ...plan.head,
      object,
      choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    }
    res.write(`data: ${JSON.stringify(chunk)}\n\n`)
  }
  const choice = (index: number, delta: Record<string, unknown>, finish: string | null) =>
    plan.kind === 'chat'
      ? { index, delta, logprobs: null, finish_reason: finish }
      : {
          index,
          text: (delta.content as string | undefined) ?? '',
          logprobs: null,
          finish_reason: finish,
        }

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  })
  const choices = Array.from({ length: plan.n }, (_, i) => i)
  if (plan.kind === 'chat')
    send(choices.map((i) => choice(i, { role: 'assistant', content: '' }, null)))
  for (const token of plan.tokens) {
    if (plan.delay > 0) await sleep(plan.delay)
    if (res.destroyed) return
    send(choices.map((i) => choice(i, { content: token }, null)))
  }
  send(choices.map((i) => choice(i, {}, plan.finish)))
  if (includeUsage) send([], plan.usage)
  res.end('data: [DONE]\n\n')
}

function embeddings(body: Body) {
  const raw = body.input
  const inputs = Array.isArray(raw) ? raw : [raw]
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 16
  const texts = inputs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
  const tokens = texts.reduce((sum, t) => sum + Math.max(1, countTokens(t)), 0)
  return {
    object: 'list',
    data: texts.map((t, index) => ({
      object: 'embedding',
      index,
      embedding: embed(t, dimensions),
    })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  }
}

async function readJson(req: IncomingMessage): Promise<Body | undefined> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  const text = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function sendError(res: ServerResponse, status: number, message: string) {
  sendJson(res, status, {
    error: { message, type: 'invalid_request_error', param: null, code: null },
  })
}
