import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** What the upstream sends for one request. */
export interface ReplayScript {
  status?: number
  headers?: Record<string, string>
  /** Before the headers: a pause in ms, or `'hang'` to never answer. */
  beforeHeaders?: number | 'hang'
  /** Written in order, each slice as its own write; a number is a pause in ms between them. */
  body?: Array<Uint8Array | string | number>
  /** After the body: end it cleanly, reset the connection, or hang until the client leaves. */
  ending?: 'end' | 'reset' | 'hang'
}

export interface ReplayedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
  /** Body bytes the upstream has handed to its socket so far. */
  written: number
  /** Resolves when the exchange is over: the script ran out, or the gateway hung up first. */
  settled: Promise<'finished' | 'aborted'>
}

export interface ReplayUpstream {
  /** Base URL with `/v1`. */
  readonly url: string
  readonly requests: ReplayedRequest[]
  /** The script for every request from now on, or a function choosing one per request. */
  play(script: ReplayScript | ((req: ReplayedRequest) => ReplayScript)): void
  close(): Promise<void>
}

/**
 * A scriptable upstream for replaying exact bytes: each slice is one write, flushed before the
 * next, with pauses where the script says, and an ending of its choice. It records what it was
 * asked and whether the caller hung up before the script was done.
 */
export async function startReplayUpstream(): Promise<ReplayUpstream> {
  let choose: (req: ReplayedRequest) => ReplayScript = () => ({ status: 404, ending: 'end' })
  const requests: ReplayedRequest[] = []

  const server = createServer(async (req, res) => {
    let settle: (how: 'finished' | 'aborted') => void = () => {}
    const settled = new Promise<'finished' | 'aborted'>((resolve) => {
      settle = resolve
    })
    res.once('close', () => settle(res.writableFinished ? 'finished' : 'aborted'))
    const recorded: ReplayedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: await readAll(req),
      written: 0,
      settled,
    }
    requests.push(recorded)
    await run(choose(recorded), res, recorded).catch(() => res.destroy())
    if (res.writableFinished) settle('finished')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    play(script) {
      choose = typeof script === 'function' ? script : () => script
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

async function run(
  script: ReplayScript,
  res: ServerResponse,
  recorded: ReplayedRequest,
): Promise<void> {
  if (script.beforeHeaders === 'hang') return
  if (script.beforeHeaders) await sleep(script.beforeHeaders)
  if (res.destroyed) return
  res.writeHead(script.status ?? 200, script.headers ?? {})
  res.flushHeaders()
  for (const step of script.body ?? []) {
    if (res.destroyed) return
    if (typeof step === 'number') await sleep(step)
    else {
      await write(res, step)
      recorded.written += typeof step === 'string' ? Buffer.byteLength(step) : step.length
    }
  }
  const ending = script.ending ?? 'end'
  if (ending === 'reset') res.socket?.resetAndDestroy()
  else if (ending === 'end') await new Promise<void>((resolve) => res.end(resolve))
}

// Resolves once the slice was handed to the socket, so the next write is a separate one.
function write(res: ServerResponse, slice: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('close', done)
      setImmediate(resolve)
    }
    res.once('close', done)
    res.write(slice, done)
  })
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return Buffer.concat(parts)
}
