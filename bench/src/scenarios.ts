import { workerPoolScenario } from './worker-pool/scenario.ts'

/** A further measurement `pnpm bench` runs after the overhead comparison. */
export interface BenchScenario {
  name: string
  run(options: {
    quick: boolean
    onProgress: (line: string) => void
  }): Promise<{ markdown: string; data: unknown }>
}

/** Scenarios beyond the overhead comparison; each adds a section to the results. */
export const SCENARIOS: BenchScenario[] = [workerPoolScenario]
