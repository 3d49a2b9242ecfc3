import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createGateway, type FilterEntry, IOChain, loadFilters } from '@iochain/core'
import type { GatewayCommand, GatewayReady, GatewayReport, Way } from './protocol.ts'

// The gateway under test, alone in its process so that its event loop is measured by itself.
// argv: way, upstream URL, scan passes.

const [way, upstream, passes] = process.argv.slice(2) as [Way, string, string]
const here = fileURLToPath(import.meta.url)
const scanner = `${path.join(path.dirname(here), `pii-scanner${path.extname(here)}`)}:PiiScanner`

const entries: Record<Way, FilterEntry[]> = {
  none: [],
  inline: [{ use: scanner, worker: false, options: { passes: Number(passes) } }],
  worker: [{ use: scanner, worker: true, options: { passes: Number(passes) } }],
}

const filters = await loadFilters(entries[way])
const chain = new IOChain(filters)
const gateway = createGateway({ chain, upstream: { url: upstream } })
await gateway.listen(0, '127.0.0.1')

const delay = monitorEventLoopDelay({ resolution: 5 })
const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100

process.on('message', async (command: GatewayCommand) => {
  if (command.kind === 'measure') {
    delay.reset()
    delay.enable()
  } else if (command.kind === 'report') {
    delay.disable()
    const report: GatewayReport = {
      kind: 'report',
      eventLoop: {
        p50Ms: ms(delay.percentile(50)),
        p99Ms: ms(delay.percentile(99)),
        maxMs: ms(delay.max),
        meanMs: ms(delay.mean),
      },
      stats: chain.stats,
    }
    process.send!(report)
  } else {
    await gateway.close({ deadlineMs: 5_000 })
    process.disconnect()
  }
})

const ready: GatewayReady = {
  kind: 'ready',
  url: gateway.url,
  filters: filters.map((f) => `${f.name}${f.worker ? ' (worker)' : ''}`),
}
process.send!(ready)
