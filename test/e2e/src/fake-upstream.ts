import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'

export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

export interface FakeUpstream {
  /** Base URL including `/v1`. */
  readonly url: string
  readonly requests: SeenRequest[]
  /** Requests whose connection closed before an answer was sent. */
  readonly aborted: SeenRequest[]
  readonly server: Server
  close(): Promise<void>
}

type Handler = (seen: SeenRequest, res: ServerResponse, req: IncomingMessage) => unknown

/** An upstream whose every answer the test scripts; it records what reached it. */
export async function startFakeUpstream(handler: Handler): Promise<FakeUpstream> {
  const requests: SeenRequest[] = []
  const aborted: SeenRequest[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    }
    requests.push(seen)
    res.once('close', () => {
      if (!res.writableFinished) aborted.push(seen)
    })
    try {
      await handler(seen, res, req)
    } catch {
      res.destroy()
    }
  })
  const url = await listen(server)
  return {
    url: `${url}/v1`,
    requests,
    aborted,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/** A chat completion as an upstream answers it. */
export function chatAnswer(text = 'hello'): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }
}

export interface RawUpstream {
  readonly url: string
  /** Connections accepted so far. */
  readonly connections: number
  close(): Promise<void>
}

/** A TCP server speaking whatever the test writes, for faults node:http would not make. */
export async function startRawUpstream(onSocket: (socket: Socket) => void): Promise<RawUpstream> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onSocket(socket)
  })
  const url = await listen(server)
  return {
    url: `${url}/v1`,
    get connections() {
      return connections
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve(`http://127.0.0.1:${port}`)
    })
  })
}
