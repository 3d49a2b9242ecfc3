import { fileURLToPath } from 'node:url'
import {
  createGateway,
  createLogger,
  IOChain,
  isIOChainError,
  type Logger,
  loadFilters,
} from '@iochain/core'
import { type MockModel, startMockModel } from '@iochain/core/mock'
import type { Command } from 'commander'
import { CliError, type CliIO } from '../io.ts'
import { parseList, parseMs, parsePort } from '../parse-options.ts'

// Packages the CLI itself depends on (the built-in filters) resolve even when the operator's
// folder has not installed them.
const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))

interface RunOptions {
  filters: string[]
  upstream?: string
  upstreamApiKeyEnv?: string
  host: string
  port: number
  logLevel: string
  shutdownTimeout: number
}

export function registerRun(program: Command, io: CliIO): void {
  program
    .command('run')
    .description('Serve the OpenAI-compatible endpoints through a filter chain.')
    .option(
      '-f, --filters <specs>',
      'filter specs, comma-separated, in order (module:Export)',
      parseList,
      [],
    )
    .option('-u, --upstream <url>', 'upstream base URL; the embedded mock model when absent')
    .option('--upstream-api-key-env <name>', 'environment variable holding the upstream API key')
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', parsePort, 8080)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--shutdown-timeout <ms>', 'time in-flight requests get on shutdown', parseMs, 10_000)
    .action((options: RunOptions) => run(options, io))
}

async function run(options: RunOptions, io: CliIO): Promise<void> {
  const logger = createLogger({ level: options.logLevel })
  const apiKey = readApiKey(options.upstreamApiKeyEnv)

  let filters: Awaited<ReturnType<typeof loadFilters>>
  try {
    filters = await loadFilters(options.filters, {
      baseDir: process.cwd(),
      logger,
      fallbackDirs: [CLI_DIR],
    })
  } catch (err) {
    if (isIOChainError(err)) throw new CliError(`${err.message} [${err.code}]`)
    throw err
  }

  let mock: MockModel | undefined
  let upstreamUrl = options.upstream
  if (!upstreamUrl) {
    mock = await startMockModel()
    upstreamUrl = mock.url
    logger.info({ upstream: upstreamUrl }, 'no --upstream given: serving the embedded mock model')
  }

  const chain = new IOChain(filters, { logger })
  const gateway = createGateway({ chain, upstream: { url: upstreamUrl, apiKey }, logger })
  try {
    await gateway.listen(options.port, options.host)
  } catch (err) {
    await mock?.close()
    throw new CliError(
      `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`,
    )
  }
  logger.info(
    {
      url: gateway.url,
      upstream: upstreamUrl,
      filters: filters.map(
        (f, i) =>
          `${i + 1}. ${f.name} (${f.blocking ? 'blocking' : 'background'}` +
          `${f.worker ? ', worker pool' : ''})`,
      ),
    },
    `iochain listening on ${gateway.url}`,
  )
  handleSignals(logger, async () => {
    await gateway.close({ deadlineMs: options.shutdownTimeout })
    await mock?.close()
  })
  void io
}

function readApiKey(envName: string | undefined): string | undefined {
  if (!envName) return undefined
  const value = process.env[envName]
  if (!value) {
    throw new CliError(`--upstream-api-key-env names \`${envName}\`, which is not set or is empty.`)
  }
  return value
}

// First signal: stop accepting and finish in-flight work. Second: exit at once.
function handleSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now')
      process.exit(130)
    }
    stopping = true
    logger.info({ signal }, 'shutting down')
    shutdown().then(
      () => {
        logger.info('shutdown complete')
        process.exitCode = 0
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exitCode = 1
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
