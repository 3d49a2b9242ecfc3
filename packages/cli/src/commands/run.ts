import {
  type ConfigOverrides,
  createGatewayFromConfig,
  type Logger,
  type ResolvedConfig,
} from '@iochain/core'
import { type MockModel, startMockModel } from '@iochain/core/mock'
import type { Command } from 'commander'
import { createCliLogger } from '../config/cli-logger.ts'
import { findAndCheck } from '../config/find-and-check.ts'
import { formatReport } from '../config/print-report.ts'
import { CliError, type CliIO, ReportedFailure } from '../io.ts'
import { parseList, parseMs, parsePort } from '../parse-options.ts'

interface RunOptions {
  config?: string
  filters?: string[]
  upstream?: string
  upstreamApiKeyEnv?: string
  host?: string
  port?: number
  logLevel?: string
  shutdownTimeout: number
}

export function registerRun(program: Command, io: CliIO): void {
  program
    .command('run')
    .description(
      'Serve the OpenAI-compatible endpoints through a filter chain. The config file is ' +
        '--config, or the one found from the current folder up; flags replace its settings.',
    )
    .option('-c, --config <file>', 'config file (iochain.config.ts, .iochainrc.yaml, ...)')
    .option(
      '-f, --filters <specs>',
      "filter specs, comma-separated, in order (module:Export); replace the config's list",
      parseList,
    )
    .option('-u, --upstream <url>', 'upstream base URL; the embedded mock model when none is set')
    .option('--upstream-api-key-env <name>', 'environment variable holding the upstream API key')
    .option('-H, --host <host>', 'address to listen on (default: 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default: 8080)', parsePort)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--shutdown-timeout <ms>', 'time in-flight requests get on shutdown', parseMs, 10_000)
    .action((options: RunOptions) => run(options, io))
}

async function run(options: RunOptions, io: CliIO): Promise<void> {
  const overrides: ConfigOverrides = {
    filters: options.filters,
    upstream: options.upstream,
    upstreamApiKeyEnv: options.upstreamApiKeyEnv,
    host: options.host,
    port: options.port,
    logLevel: options.logLevel,
  }
  let logger: Logger | undefined
  const cwd = process.cwd()
  const outcome = await findAndCheck({
    file: options.config,
    cwd,
    requireFile: false,
    overrides,
    keepFilters: true,
    createLogger: (config) => {
      logger = createCliLogger(config, overrides)
      return logger
    },
    stderr: io.stderr,
  })
  if (!outcome.resolved || !logger) {
    io.stderr.write(`iochain run: the config is not valid; not starting.\n\n`)
    io.stderr.write(formatReport(outcome.report, cwd))
    throw new ReportedFailure(outcome.exitCode === 0 ? 1 : outcome.exitCode)
  }
  await serve(outcome.resolved, options, logger)
}

async function serve(config: ResolvedConfig, options: RunOptions, logger: Logger): Promise<void> {
  let mock: MockModel | undefined
  if (!config.upstream) {
    mock = await startMockModel()
    logger.info({ upstream: mock.url }, 'no upstream configured: serving the embedded mock model')
  }
  const gateway = createGatewayFromConfig(config, { logger, upstreamUrl: mock?.url })
  const { host, port } = config.listen
  try {
    await gateway.listen(port, host)
  } catch (err) {
    await gateway.chain.close()
    await mock?.close()
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`)
  }
  logger.info(
    {
      url: gateway.url,
      upstream: config.upstream?.url ?? mock?.url,
      filters: config.filters.map(
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
