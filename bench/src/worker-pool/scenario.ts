import type { BenchScenario } from '../scenarios.ts'
import { runWorkerPoolBench } from './main.ts'

/** The worker-pool scenario as `pnpm bench` runs it after the overhead comparison. */
export const workerPoolScenario: BenchScenario = {
  name: 'Worker pool: a 5-10 ms PII scan not at all, inline, in the pool',
  async run(options) {
    const { markdown, data } = await runWorkerPoolBench({
      durationS: options.quick ? 5 : 15,
      warmupS: options.quick ? 1 : 3,
      rounds: options.quick ? 1 : 3,
      log: options.onProgress,
    })
    return { markdown, data }
  },
}
