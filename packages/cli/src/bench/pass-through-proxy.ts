import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { Agent, type Dispatcher } from 'undici'

// Hop-by-hop headers: meaningful for one connection only (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host'])

/**
 * The floor any Node gateway can reach: node:http in, undici out, bodies piped both ways, no
 * parsing. It is the baseline every IOChain figure is divided by, so it does no more than a
 * proxy must: drop hop-by-hop headers, stream the request and the response, answer 502 on failure.
 */
export function createPassThroughProxy(upstreamOrigin: string): Server {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 })
  const server = createServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
    try {
      const upstream = await agent.request({
        origin: upstreamOrigin,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: forwardable(req.headers),
        body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
      })
      res.writeHead(upstream.statusCode, forwardable(upstream.headers))
      await pipeline(upstream.body, res)
    } catch {
      if (!res.headersSent) res.writeHead(502).end()
      else res.destroy()
    }
  })
  server.on('close', () => void agent.close())
  return server
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}
