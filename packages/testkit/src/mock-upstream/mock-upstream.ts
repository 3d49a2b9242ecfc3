import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { type MockModel, startMockModel } from '@iochain/core/mock'
import { planReply, type WirePlan } from './plan.ts'
import type { RecordedRequest, UpstreamReply, UpstreamScript } from './script.ts'

export interface MockUpstream {
  /** Base URL including `/v1`, as an OpenAI client or the gateway's `upstream` takes it. */
  readonly url: string
  /** Every request received, in order of arrival. */
  readonly requests: RecordedRequest[]
  /** Replaces the script; requests already answered are kept. */
  setScript(script: UpstreamScript | undefined): void
  close(): Promise<void>
}

export interface MockUpstreamOptions {
  host?: string
  port?: number
}

/**
 * An OpenAI-compatible upstream that answers as scripted: JSON, SSE events, exact bytes cut at
 * chosen offsets with pauses, errors, or a dropped connection. What the script does not answer
 * gets the embedded mock model's answer. Every request is recorded.
 *
 * @example
 * const upstream = await startMockUpstream({ events: [chunk1, chunk2], delayMs: 20 })
 */
export async function startMockUpstream(
  script?: UpstreamScript,
  options: MockUpstreamOptions = {},
): Promise<MockUpstream> {
  const model = await startMockModel()
  const requests: RecordedRequest[] = []
  let current = script
  let turn = 0

  const pick = async (recorded: RecordedRequest): Promise<UpstreamReply | undefined> => {
    if (current === undefined) return undefined
    if (typeof current === 'function') return current(recorded)
    if (Array.isArray(current)) return current[turn++]
    return current
  }

  const server = createServer((req, res) => {
    handle(req, res, requests, pick, model).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  )
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}/v1`,
    requests,
    setScript(next) {
      current = next
      turn = 0
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await model.close()
    },
  }
}

// --- internal ---

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requests: RecordedRequest[],
  pick: (recorded: RecordedRequest) => Promise<UpstreamReply | undefined>,
  model: MockModel,
): Promise<void> {
  const recorded = await record(req)
  requests.push(recorded)
  let dropping = false
  res.once('close', () => {
    if (!res.writableFinished && !dropping) recorded.aborted = true
  })
  const reply = await pick(recorded)
  if (!reply) return relay(req, res, recorded, model)

  const plan = planReply(reply)
  if (plan.latencyMs > 0) await sleep(plan.latencyMs)
  if (plan.dropAtOnce) {
    dropping = true
    res.socket?.destroy()
    return
  }
  await write(res, plan, () => {
    dropping = true
  })
}

async function write(res: ServerResponse, plan: WirePlan, onDrop: () => void): Promise<void> {
  res.writeHead(plan.status, plan.headers)
  res.flushHeaders()
  for (const [index, piece] of plan.pieces.entries()) {
    const delay = plan.delays[index] ?? 0
    if (delay > 0) await sleep(delay)
    if (res.destroyed) return
    res.write(piece)
  }
  if (plan.end === 'end') {
    res.end()
    return
  }
  // Let the written pieces leave before the connection is cut.
  await new Promise<void>((resolve) => res.write('', () => resolve()))
  onDrop()
  res.socket?.destroy()
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks).toString('utf8')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    body,
    json: parseJson(body),
    receivedAt: Date.now(),
    aborted: false,
  }
}

// Unscripted requests go to the embedded mock model, streamed through as it answers.
function relay(
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
  model: MockModel,
): Promise<void> {
  const target = new URL(recorded.path, model.url)
  return new Promise((resolve) => {
    const out = httpRequest(
      target,
      { method: req.method, headers: { ...recorded.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        answer.once('end', resolve)
        answer.once('error', () => {
          res.destroy()
          resolve()
        })
      },
    )
    out.once('error', () => {
      res.destroy()
      resolve()
    })
    res.once('close', () => {
      out.destroy()
      resolve()
    })
    out.end(recorded.body)
  })
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
