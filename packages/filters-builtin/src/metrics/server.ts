import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface MetricsServer {
  readonly server: Server
  /** `http://host:port`. */
  readonly url: string
  close(): Promise<void>
}

/** Serves `render()` on `GET path`; everything else is a 404. */
export async function startMetricsServer(
  host: string,
  port: number,
  path: string,
  render: () => Promise<{ contentType: string; body: string }>,
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' || url !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
