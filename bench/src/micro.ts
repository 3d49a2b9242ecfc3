import { createIOContext, IOChain, type ResolvedFilter } from '@iochain/core'
import { Bench } from 'tinybench'
import { NoopFilter } from './noop-filter.ts'

export interface DispatchCost {
  filters: number
  /** One `runRequest` through the whole chain, ns. */
  requestNs: number
  /** One `runResponse` through the whole chain, ns. */
  responseNs: number
}

// Calls per measured iteration: one call is too short for the timer to see alone.
const BATCH = 200

/** The cost of dispatching both hooks through chains of no-op blocking filters. */
export async function measureDispatch(quick: boolean): Promise<DispatchCost[]> {
  const sizes = [0, 1, 10]
  const bench = new Bench({ time: quick ? 300 : 1_500, warmupTime: quick ? 100 : 500 })
  for (const size of sizes) {
    const chain = new IOChain(noopFilters(size))
    const ctx = createIOContext({
      requestId: 'bench',
      endpoint: 'chat.completions',
      request: { model: 'mock-model', messages: [] },
      headers: {},
      client: { address: '127.0.0.1', port: 0 },
    })
    bench.add(`request/${size}`, async () => {
      for (let i = 0; i < BATCH; i++) await chain.runRequest(ctx)
    })
    bench.add(`response/${size}`, async () => {
      for (let i = 0; i < BATCH; i++) await chain.runResponse(ctx)
    })
  }
  await bench.run()
  const nsPerCall = (name: string) => {
    const result = bench.getTask(name)?.result
    if (!result || !('latency' in result)) throw new Error(`micro-benchmark ${name} failed`)
    return (result.latency.p50 * 1e6) / BATCH
  }
  return sizes.map((filters) => ({
    filters,
    requestNs: nsPerCall(`request/${filters}`),
    responseNs: nsPerCall(`response/${filters}`),
  }))
}

function noopFilters(count: number): ResolvedFilter[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `noop-${i + 1}`,
    filter: new NoopFilter(),
    blocking: true,
    failMode: 'closed',
    strict: false,
    credentials: false,
  }))
}
