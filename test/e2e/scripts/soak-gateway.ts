/**
 * The gateway side of the soak run, in its own process so that its memory is measured alone:
 * a gateway with counting filters in front of the upstream given as the first argument. Talks to
 * the driver (`soak.ts`) over the IPC channel.
 */
import { createGateway, IOChain, type IOContext, type ResolvedFilter } from '@iochain/core'

export type GatewayMessage =
  | { type: 'listening'; url: string }
  | { type: 'memory'; figures: MemoryFigures }
  | { type: 'report'; counts: typeof counts; stats: IOChain['stats']; leftOpen: string[] }

export interface MemoryFigures {
  heapMiB: number
  externalMiB: number
  rssMiB: number
}

const counts = {
  onRequest: 0,
  onResponse: 0,
  background: 0,
  outcomes: {} as Record<string, number>,
}

function countingFilters(): ResolvedFilter[] {
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

function memory(): MemoryFigures {
  ;(globalThis as { gc?: () => void }).gc?.()
  const { heapUsed, external, rss } = process.memoryUsage()
  return { heapMiB: mib(heapUsed), externalMiB: mib(external), rssMiB: mib(rss) }
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10
}

// What is open before the gateway starts (the IPC channel among them), to report only leftovers.
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

const send = (message: GatewayMessage) => process.send!(message)
const chain = new IOChain(countingFilters())
const gateway = createGateway({ chain, upstream: { url: process.argv[2]! } })

process.on('message', async (message: { type: 'memory' | 'finish' }) => {
  await chain.drain()
  if (message.type === 'memory') return send({ type: 'memory', figures: memory() })
  await gateway.close({ deadlineMs: 5_000 })
  // Let sockets finish closing before counting what is still open.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const leftOpen = leftOver(baseline, openResources())
  send({ type: 'report', counts, stats: chain.stats, leftOpen })
  process.disconnect()
})
// Taken once the IPC channel is active (a message listener refs it) and before the gateway listens.
const baseline = openResources()
await gateway.listen(0)
send({ type: 'listening', url: gateway.url })
