// Added time to first byte of a stream: the mock model called directly, through the gateway with
// one filter (parsed and aggregated path) and through the gateway with none (pass-through path),
// interleaved request by request so that all three share the machine's noise.
//
//   pnpm build && node bench/stream-ttfb.ts [requests per target, default 1000]
import { Agent, request } from 'node:http'
import { createGateway, IOChain, type ResolvedFilter } from '../packages/core/dist/index.js'
import { startMockModel } from '../packages/core/dist/mock/index.js'

const REQUESTS = Number(process.argv[2] ?? 1000)
const WARMUP = 100
const BODY = JSON.stringify({
  model: 'mock-model',
  stream: true,
  max_tokens: 4,
  messages: [{ role: 'user', content: 'Tell me about streams.' }],
})

interface Sample {
  ttfbMs: number
  totalMs: number
}

const noop: ResolvedFilter = {
  name: 'noop',
  blocking: true,
  failMode: 'closed',
  strict: false,
  credentials: false,
  filter: { onRequest() {}, onResponse() {} },
}

const mock = await startMockModel({ chunkDelayMs: 1 })
const filtered = createGateway({ chain: new IOChain([noop]), upstream: { url: mock.url } })
const bare = createGateway({ chain: new IOChain([]), upstream: { url: mock.url } })
await filtered.listen(0)
await bare.listen(0)
const agent = new Agent({ keepAlive: true, maxSockets: 1 })

const targets = {
  direct: `${mock.url}/chat/completions`,
  'gateway, 1 filter': `${filtered.url}/v1/chat/completions`,
  'gateway, no filter': `${bare.url}/v1/chat/completions`,
}
const samples = new Map<string, Sample[]>(Object.keys(targets).map((k) => [k, []]))

for (let i = 0; i < WARMUP + REQUESTS; i++) {
  for (const [name, url] of Object.entries(targets)) {
    const sample = await streamOnce(url)
    if (i >= WARMUP) samples.get(name)?.push(sample)
  }
}

const direct = summarize(samples.get('direct') ?? [])
console.log(`${REQUESTS} streams per target, one at a time, after ${WARMUP} warm-up rounds`)
console.log('target               ttfb p50   ttfb p99   p50-direct p99-direct total p50')
for (const [name, list] of samples) {
  const s = summarize(list)
  console.log(
    [
      name.padEnd(20),
      ms(s.ttfbP50),
      ms(s.ttfbP99),
      ms(s.ttfbP50 - direct.ttfbP50),
      ms(s.ttfbP99 - direct.ttfbP99),
      ms(s.totalP50),
    ].join(' '),
  )
}

await Promise.all([filtered.close(), bare.close()])
await mock.close()
agent.destroy()

/** One streamed request: ms to the first body byte, and to the end of the body. */
function streamOnce(url: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let first = 0
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
    })
    req.on('response', (res) => {
      res.on('data', () => {
        if (first === 0) first = performance.now()
      })
      res.on('end', () =>
        resolve({ ttfbMs: first - started, totalMs: performance.now() - started }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(BODY)
  })
}

function summarize(list: Sample[]) {
  const pick = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  }
  const ttfb = list.map((s) => s.ttfbMs)
  const total = list.map((s) => s.totalMs)
  return { ttfbP50: pick(ttfb, 0.5), ttfbP99: pick(ttfb, 0.99), totalP50: pick(total, 0.5) }
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`.padStart(10)
}
