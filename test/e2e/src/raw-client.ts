import { connect, type Socket } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Opens a TCP connection to the gateway, lets `write` send whatever bytes it likes, and resolves
 * with the first response once it is complete (by content-length) or the connection closes.
 */
export function rawExchange(
  url: string,
  write: (socket: Socket) => void | Promise<void>,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = Buffer.alloc(0)
    let done = false
    const finish = () => {
      if (done) return
      const parsed = parseResponse(received)
      if (!parsed) return
      done = true
      socket.destroy()
      resolve(parsed)
    }
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      finish()
    })
    socket.on('close', () => {
      finish()
      if (!done) reject(new Error(`connection closed after ${received.length} bytes`))
    })
    // A reset after the response arrived is the gateway dropping the unread rest.
    socket.on('error', () => {})
    socket.on('connect', () => {
      Promise.resolve(write(socket)).catch(() => {})
    })
  })
}

function parseResponse(bytes: Buffer): RawResponse | undefined {
  const end = bytes.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? Number.NaN)
  const body = bytes.subarray(end + 4)
  if (!Number.isFinite(length) || body.length < length) return undefined
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: body.subarray(0, length).toString('utf8'),
  }
}

/**
 * Writes `bytes` (sent in order, with a pause wherever a number of ms is given) and resolves
 * with everything the gateway answered once it closes the connection: for requests that ask it
 * to, or answers node:http gives without a length.
 */
export function rawText(url: string, ...parts: Array<string | Buffer | number>): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')))
    socket.on('connect', async () => {
      for (const part of parts) {
        if (typeof part === 'number') await new Promise((r) => setTimeout(r, part))
        else if (!socket.destroyed) socket.write(part)
      }
    })
  })
}
