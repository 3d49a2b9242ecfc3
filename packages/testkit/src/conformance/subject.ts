import { IOChain, type IOFilter, loadFilter, loadFilters, resolveFilterExport } from '@iochain/core'
import { createCaptureLogger } from '../_capture-logger.ts'
import type { ChainEntry } from '../run-filter.ts'

/** The filter under test, loaded the way it will run: in this thread or in the worker pool. */
export interface Subject {
  entry: ChainEntry
  worker: boolean
  /** Warnings logged while it ran, such as metadata a worker could not send back. */
  warnings: string[]
  /** Closes the filter, and the pool when it runs in one. */
  close(): Promise<void>
}

export async function loadSubject(
  spec: string,
  baseDir: string,
  settings: { options?: unknown; worker?: boolean },
): Promise<Subject> {
  const source = await resolveFilterExport(spec, baseDir)
  const worker = settings.worker ?? declaresWorker(source.value)
  const warnings: string[] = []
  if (!worker) {
    const { filter } = await loadFilter(spec, { baseDir, options: settings.options })
    return { entry: { filter }, worker, warnings, close: () => closeFilter(filter) }
  }
  const [entry] = await loadFilters([{ use: spec, options: settings.options, worker: true }], {
    baseDir,
    logger: createCaptureLogger([], warnings),
  })
  // The chain owns the pool: closing it closes the filter in its thread and ends the threads.
  return { entry: entry!, worker, warnings, close: () => new IOChain([entry!]).close() }
}

function declaresWorker(value: unknown): boolean {
  const flag = (value as { worker?: unknown } | null | undefined)?.worker
  return flag === true
}

async function closeFilter(filter: IOFilter): Promise<void> {
  await filter.close?.()
}
