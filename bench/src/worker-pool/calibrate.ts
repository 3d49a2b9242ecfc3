import { fileURLToPath } from 'node:url'
import { scanText } from './pii-scanner.ts'
import { longPrompt } from './prompt.ts'

// The scenario is about a scan that costs 5-10 ms per request on a prompt of realistic size.
// One pass over 64 KB costs from about 1.5 to 6 ms depending on the machine, so the number of
// passes (a stand-in for the heavier detectors a real scanner adds) is sized here instead; a
// larger prompt would also load the upstream and the load generator, and every way alike.

/** The per-request scan cost the scenario is meant to have. */
export const SCAN_RANGE_MS = { min: 5, max: 10 } as const
export const PROMPT_BYTES = 64_000
const TARGET_MS = 7.5
const MAX_PASSES = 64

export interface CalibratedScan {
  prompt: string
  passes: number
  scanMs: number
}

/** Mean cost in ms of one scan of `prompt` with `passes` passes, after a warm-up. */
export function measureScan(prompt: string, passes = 1, runs = 30): number {
  for (let i = 0; i < 10; i++) scanText(prompt, passes)
  const start = performance.now()
  for (let i = 0; i < runs; i++) scanText(prompt, passes)
  return (performance.now() - start) / runs
}

/** True when a scan cost is within the range the scenario asks for. */
export function inScanRange(ms: number): boolean {
  return ms >= SCAN_RANGE_MS.min && ms <= SCAN_RANGE_MS.max
}

/** A prompt of `bytes` and the passes that make its scan cost about 7.5 ms on this machine. */
export function calibratedScan(bytes = PROMPT_BYTES, passes?: number): CalibratedScan {
  const prompt = longPrompt(bytes)
  const onePass = measureScan(prompt, 1)
  const chosen = passes ?? Math.min(MAX_PASSES, Math.max(1, Math.round(TARGET_MS / onePass)))
  return { prompt, passes: chosen, scanMs: chosen === 1 ? onePass : measureScan(prompt, chosen) }
}

// Run by itself: `node bench/src/worker-pool/calibrate.ts` prints what it settles on.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { prompt, passes, scanMs } = calibratedScan()
  const verdict = inScanRange(scanMs) ? 'in' : 'OUT OF'
  const range = `${SCAN_RANGE_MS.min}-${SCAN_RANGE_MS.max} ms`
  process.stdout.write(
    `PII scan of a ${prompt.length}-byte prompt, ${passes} pass(es), costs ` +
      `${scanMs.toFixed(2)} ms here, ${verdict} the ${range} range\n`,
  )
}
