import type { MetricsFilter } from '@iochain/filters-builtin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../src/harness.ts'
import { createMemoryLogger } from '../src/memory-logger.ts'

describe('PiiScanner in the worker pool, with Metrics exporting the pool', () => {
  const logger = createMemoryLogger()
  let t: TestGateway

  beforeAll(async () => {
    t = await startTestGateway({
      logger,
      filters: [
        { use: '@iochain/filters-builtin:PiiScanner', worker: true },
        { use: '@iochain/filters-builtin:Metrics', options: { port: 0 } },
      ],
      workerPool: { minThreads: 1, maxThreads: 1 },
    })
  })
  afterAll(() => t?.close())

  it('scans a snapshot in a thread and reports counts, never values', async () => {
    await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'I am jane@example.com, card 4111 1111 1111 1111' }],
    })
    await expect
      .poll(() => logger.entries.find((e) => e.msg === 'personal data found'))
      .toMatchObject({ bindings: { part: 'request', counts: { email: 1, card: 1 } } })
    expect(JSON.stringify(logger.entries)).not.toContain('jane@')
  })

  it("exports the pool's counters next to the chain's", async () => {
    await t.gateway.chain.drain()
    const metrics = t.gateway.chain.filters.find((f) => f.name === 'Metrics')!
    const text = await (await fetch(`${(metrics.filter as MetricsFilter).url}/metrics`)).text()
    expect(text).toMatch(/^iochain_chain_workers_threads 1$/m)
    expect(text).toMatch(/^iochain_chain_workers_completed_total [1-9]\d*$/m)
    expect(text).toMatch(/^iochain_chain_workers_dropped_total 0$/m)
  })
})
