import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type ChainOptions,
  createGateway,
  type FilterEntry,
  type Gateway,
  type GatewayOptions,
  IOChain,
  type IOFilter,
  type Logger,
  loadFilters,
  type ResolvedFilter,
  type UpstreamOptions,
  type WorkerPoolOptions,
} from '@iochain/core'
import { type MockModel, type MockModelOptions, startMockModel } from '@iochain/core/mock'
import OpenAI from 'openai'
import { pino } from 'pino'
import { afterAll } from 'vitest'

export interface TestGateway {
  gateway: Gateway
  mock: MockModel | undefined
  /** Base URL with `/v1`, for the openai client. */
  baseURL: string
  client: OpenAI
  close(): Promise<void>
}

export interface StartOptions {
  filters?: Array<string | FilterEntry>
  /** Filter objects built in the test, run after `filters`. */
  instances?: ResolvedFilter[]
  baseDir?: string
  upstreamUrl?: string
  upstream?: Omit<UpstreamOptions, 'url'>
  chain?: ChainOptions
  bodyBytes?: number
  limits?: GatewayOptions['limits']
  logger?: Logger
  mock?: MockModelOptions
  /** Sizing of the pool that filters marked `worker: true` run in. */
  workerPool?: WorkerPoolOptions
}

/** A filter object with the settings an operator's entry would give it. */
export function entry(
  filter: IOFilter,
  settings: Partial<Omit<ResolvedFilter, 'filter'>> = {},
): ResolvedFilter {
  const blocking = settings.blocking ?? filter.blocking ?? true
  return {
    name: filter.name ?? 'TestFilter',
    blocking,
    failMode: blocking ? 'closed' : 'open',
    strict: false,
    credentials: false,
    ...settings,
    filter,
  }
}

/** A real gateway on a free port in front of the mock model (or a given upstream). */
export async function startTestGateway(options: StartOptions = {}): Promise<TestGateway> {
  const mock = options.upstreamUrl ? undefined : await startMockModel(options.mock)
  const loaded = await loadFilters(options.filters ?? [], {
    baseDir: options.baseDir,
    workerPool: options.workerPool,
    logger: options.logger,
  })
  const filters = [...loaded, ...(options.instances ?? [])]
  const chain = new IOChain(filters, { logger: options.logger, ...options.chain })
  const gateway = createGateway({
    chain,
    upstream: { ...options.upstream, url: options.upstreamUrl ?? mock!.url },
    limits: { bodyBytes: options.bodyBytes, ...options.limits },
    logger: options.logger,
  })
  await gateway.listen(0, '127.0.0.1')
  const baseURL = `${gateway.url}/v1`
  const client = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 })
  let closing: Promise<void> | undefined
  return {
    gateway,
    mock,
    baseURL,
    client,
    // Idempotent, so that a test may close early and `afterAll` still close safely.
    close() {
      closing ??= (async () => {
        await gateway.close({ deadlineMs: 2_000 })
        await mock?.close()
      })()
      return closing
    },
  }
}

const tempDirs: string[] = []

// Registered when a test file imports this module, so it runs after that file's own `afterAll`
// hooks have stopped what writes into the folders.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temporary folder holding the given files, removed after the file's tests. */
export function writeTempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'iochain-test-'))
  tempDirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
  return dir
}

/** A logger that keeps every record, for tests that check what was logged. */
export function createRecordingLogger(): { logger: Logger; records: Array<Record<string, any>> } {
  const records: Array<Record<string, any>> = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line)) },
  )
  return { logger, records }
}
