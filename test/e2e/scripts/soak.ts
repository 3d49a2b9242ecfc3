/**
 * Soak run: sends many mixed requests (plain, streamed, embeddings, and streams the client
 * abandons) through a real gateway, run in a child process in front of the mock model run here,
 * then prints the gateway's memory at the start, by tenths and at the end (after a full
 * collection), the handles it left open after closing, and what its counting filters saw. Every
 * request must reach `onResponse` exactly once.
 *
 *   node test/e2e/scripts/soak.ts [requests=100000] [concurrency=16]
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startMockModel } from '@iochain/core/mock'
import type { GatewayMessage, MemoryFigures } from './soak-gateway.ts'

const total = Number(process.argv[2] ?? 100_000)
const concurrency = Number(process.argv[3] ?? 16)

type Kind = 'chat' | 'stream' | 'embeddings' | 'cancel'
const MIX: Kind[] = [
  'chat',
  'chat',
  'chat',
  'chat',
  'chat',
  'stream',
  'stream',
  'embeddings',
  'cancel',
  'cancel',
]

async function send(base: string, kind: Kind): Promise<void> {
  const stream = kind === 'stream' || kind === 'cancel'
  const path = kind === 'embeddings' ? '/v1/embeddings' : '/v1/chat/completions'
  const body =
    kind === 'embeddings'
      ? { model: 'mock-embedding', input: 'soak' }
      : {
          model: 'mock-model',
          stream,
          max_tokens: kind === 'cancel' ? 64 : 8,
          messages: [{ role: 'user', content: 'Tell me about soak tests.' }],
        }
  const abort = new AbortController()
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: abort.signal,
  })
  if (res.status !== 200) throw new Error(`${kind}: status ${res.status}`)
  if (kind !== 'cancel') {
    await res.arrayBuffer()
    return
  }
  // The client walks away after the first chunk of a stream that has many more to come.
  const reader = res.body!.getReader()
  await reader.read()
  abort.abort()
  await reader.cancel().catch(() => {})
}

async function main(): Promise<void> {
  const mock = await startMockModel({ chunkDelayMs: 2 })
  const child = fork(fileURLToPath(new URL('soak-gateway.ts', import.meta.url)), [mock.url], {
    execArgv: ['--expose-gc'],
  })
  const next = <T extends GatewayMessage['type']>(type: T) =>
    new Promise<Extract<GatewayMessage, { type: T }>>((resolve) => {
      const listen = (message: GatewayMessage) => {
        if (message.type !== type) return
        child.off('message', listen)
        resolve(message as Extract<GatewayMessage, { type: T }>)
      }
      child.on('message', listen)
    })
  const gatewayMemory = async () => {
    const reply = next('memory')
    child.send({ type: 'memory' })
    return (await reply).figures
  }
  const { url } = await next('listening')

  let sent = 0
  const failures: string[] = []
  const run = async (n: number) => {
    let started = 0
    const worker = async () => {
      while (started < n) {
        started++
        const kind = MIX[sent++ % MIX.length]!
        await send(url, kind).catch((err: Error) => failures.push(err.message))
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }

  // warm-up, before the start figures
  await run(500)
  const start = await gatewayMemory()
  const startedAt = performance.now()
  // In tenths, so that a leak shows as a climb and allocator growth as a plateau.
  const samples: MemoryFigures[] = []
  const tenth = Math.ceil((total - 500) / 10)
  for (let left = total - 500; left > 0; left -= tenth) {
    await run(Math.min(tenth, left))
    samples.push(await gatewayMemory())
  }
  const seconds = (performance.now() - startedAt) / 1000

  const finished = next('report')
  child.send({ type: 'finish' })
  const { counts, stats, leftOpen } = await finished
  await mock.close()

  const report = {
    sent,
    concurrency,
    failures: failures.length,
    firstFailures: failures.slice(0, 3),
    hooks: counts,
    chain: stats,
    everyRequestCounted: counts.onRequest === sent && counts.onResponse === sent,
    gatewayMemory: { start, end: samples.at(-1) },
    gatewayRssMiBByTenth: samples.map((s) => s.rssMiB),
    gatewayHeapMiBByTenth: samples.map((s) => s.heapMiB),
    requestsPerSecond: Math.round((total - 500) / seconds),
    gatewayHandlesLeftOpenAfterClose: leftOpen,
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  process.exitCode = report.everyRequestCounted && failures.length === 0 ? 0 : 1
}

await main()
