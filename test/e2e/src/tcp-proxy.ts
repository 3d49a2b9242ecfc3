import type { AddressInfo } from 'node:net'
import { connect, createServer, type Server, type Socket } from 'node:net'

/** A TCP relay whose `cut()` drops every connection, to take a real server away mid-run. */
export interface TcpProxy {
  readonly port: number
  /** Stops listening and destroys every open connection. */
  cut(): Promise<void>
  /** Listens again on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(targetPort, targetHost)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  }

  const cut = async () => {
    const closed = new Promise<void>((resolve) =>
      server ? server.close(() => resolve()) : resolve(),
    )
    for (const socket of sockets) socket.destroy()
    server = undefined
    await closed
  }

  await listen()
  return {
    get port() {
      return port
    },
    cut,
    restore: listen,
    close: cut,
  }
}

/** Resolves when Redis at `url` answers PING; rejects with a message naming the URL else. */
export async function pingRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url)
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port || 6379), hostname)
    const fail = (why: string) => {
      socket.destroy()
      reject(new Error(`IOCHAIN_TEST_REDIS_URL is ${url}, but Redis there ${why}.`))
    }
    socket.setTimeout(2_000, () => fail('did not answer within 2 s'))
    socket.on('error', (err) => fail(`cannot be reached (${err.message})`))
    socket.once('data', (data) => {
      socket.end()
      if (data.toString().startsWith('+PONG')) resolve()
      else fail(`answered ${JSON.stringify(data.toString().trim())} to PING`)
    })
    socket.write('PING\r\n')
  })
}
