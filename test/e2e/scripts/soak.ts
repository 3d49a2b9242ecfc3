/**
 * Soak run: sends many mixed requests (plain, streamed, embeddings, and streams the client
 * abandons) through a real gateway in front of the mock model, then prints memory at the start
 * and the end, the handles left open, and what a counting filter saw. Every request must reach
 * `onResponse` exactly once.
 *
 *   node test/e2e/scripts/soak.ts [requests=100000] [concurrency=16]
 *
 * Run with `--expose-gc` for memory figures taken after a full collection.
 */
import { createGateway, IOChain, type IOContext, type ResolvedFilter } from '@iochain/core'
import { startMockModel } from '@iochain/core/mock'

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

const counts = {
  onRequest: 0,
  onResponse: 0,
  background: 0,
  outcomes: {} as Record<string, number>,
}

function counter(): ResolvedFilter[] {
  const base = { failMode: 'closed', strict: false, credentials: false } as const
  return [
    {
      ...base,
      name: 'Counter',
      blocking: true,
      filter: {
        onRequest() {
          counts.onRequest++
        },
        onResponse(ctx: IOContext) {
          counts.onResponse++
          counts.outcomes[ctx.outcome.kind] = (counts.outcomes[ctx.outcome.kind] ?? 0) + 1
        },
      },
    },
    {
      ...base,
      name: 'BackgroundCounter',
      blocking: false,
      failMode: 'open',
      filter: {
        async onResponse() {
          counts.background++
        },
      },
    },
  ]
}

function memory() {
  ;(globalThis as { gc?: () => void }).gc?.()
  const { heapUsed, external, rss } = process.memoryUsage()
  return { heapMiB: mib(heapUsed), externalMiB: mib(external), rssMiB: mib(rss) }
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10
}

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

// The resources open before the run (stdio among them), so that only leftovers are reported.
function openResources(): Map<string, number> {
  // stdout and stderr open lazily; opening them first keeps them out of the leftovers.
  void process.stdout
  void process.stderr
  const counted = new Map<string, number>()
  for (const name of process.getActiveResourcesInfo()) {
    if (name !== 'Timeout') counted.set(name, (counted.get(name) ?? 0) + 1)
  }
  return counted
}

function leftOver(before: Map<string, number>, after: Map<string, number>): string[] {
  const left: string[] = []
  for (const [name, n] of after) {
    for (let i = before.get(name) ?? 0; i < n; i++) left.push(name)
  }
  return left
}

async function main(): Promise<void> {
  const baseline = openResources()
  const mock = await startMockModel({ chunkDelayMs: 2 })
  const chain = new IOChain(counter())
  const gateway = createGateway({ chain, upstream: { url: mock.url } })
  await gateway.listen(0)

  // warm-up, not counted in the figures' start point
  let sent = 0
  const failures: string[] = []
  const run = async (n: number) => {
    let next = 0
    const worker = async () => {
      while (next < n) {
        next++
        const kind = MIX[sent++ % MIX.length]!
        await send(gateway.url, kind).catch((err: Error) => failures.push(err.message))
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }
  await run(500)
  await chain.drain()
  const start = { ...memory(), at: performance.now() }

  // In tenths, so that a leak shows as a climb and allocator growth as a plateau.
  const samples: Array<ReturnType<typeof memory> & { sent: number }> = []
  const tenth = Math.ceil((total - 500) / 10)
  for (let left = total - 500; left > 0; left -= tenth) {
    await run(Math.min(tenth, left))
    samples.push({ sent, ...memory() })
  }
  await chain.drain()
  const end = { ...memory(), at: performance.now() }

  await gateway.close({ deadlineMs: 5_000 })
  await mock.close()
  // Let sockets finish closing before counting what is still open.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const handles = leftOver(baseline, openResources())

  const seconds = (end.at - start.at) / 1000
  const report = {
    sent,
    concurrency,
    failures: failures.length,
    firstFailures: failures.slice(0, 3),
    hooks: counts,
    chain: chain.stats,
    everyRequestCounted: counts.onRequest === sent && counts.onResponse === sent,
    memory: { start: strip(start), end: strip(end) },
    rssMiBByTenth: samples.map((s) => s.rssMiB),
    heapMiBByTenth: samples.map((s) => s.heapMiB),
    requestsPerSecond: Math.round((total - 500) / seconds),
    openHandlesAfterClose: handles,
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  process.exitCode = report.everyRequestCounted && failures.length === 0 ? 0 : 1
}

function strip({ at: _, ...figures }: ReturnType<typeof memory> & { at: number }) {
  return figures
}

await main()
