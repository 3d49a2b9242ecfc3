import path from 'node:path'
import {
  CONFIG_SEARCH_PLACES,
  type ConfigOverrides,
  type ConfigReport,
  checkConfig,
  ErrorCodes,
  type Logger,
  type ResolvedConfig,
  readConfig,
} from '@iochain/core'
import { CLI_DIR } from './cli-dir.ts'
import { createStepSpinner } from './spinner.ts'

export interface FindAndCheckOptions {
  /** The file `--config` or the command's argument names. */
  file?: string
  cwd: string
  /** `validate config` needs a file; `run` goes on without one. */
  requireFile: boolean
  overrides?: ConfigOverrides
  keepFilters?: boolean
  /** The logger filters get, made once the file is read (it may set the log level). */
  createLogger?: (config: unknown) => Logger
  /** Where the spinner draws. */
  stderr: NodeJS.WritableStream
}

export interface CheckOutcome {
  report: ConfigReport
  resolved?: ResolvedConfig
  /** 0 valid, 1 invalid, 2 no config file. */
  exitCode: 0 | 1 | 2
}

/** Finds or takes the config file, then checks it step by step with a spinner on stderr. */
export async function findAndCheck(options: FindAndCheckOptions): Promise<CheckOutcome> {
  const spinner = createStepSpinner(options.stderr)
  try {
    spinner.step('find')
    const read = await readConfig({ file: options.file, cwd: options.cwd })
    if (!read.ok && read.problem) {
      const notFound = read.problem.code === ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND
      const report: ConfigReport = {
        valid: false,
        ...(read.problem.file ? { file: read.problem.file } : {}),
        filters: [],
        problems: [read.problem],
      }
      return { report, exitCode: notFound ? 2 : 1 }
    }
    if (!read.ok && options.requireFile) return { report: noConfig(options.cwd), exitCode: 2 }

    const config = read.ok ? read.file.config : {}
    const { report, resolved } = await checkConfig(config, {
      source: read.ok ? read.file : undefined,
      cwd: options.cwd,
      overrides: options.overrides,
      keepFilters: options.keepFilters,
      logger: options.createLogger?.(config),
      fallbackDirs: [CLI_DIR],
      onStep: (step) => spinner.step(step),
    })
    return { report, resolved, exitCode: report.valid ? 0 : 1 }
  } finally {
    spinner.stop()
  }
}

function noConfig(cwd: string): ConfigReport {
  return {
    valid: false,
    filters: [],
    problems: [
      {
        code: ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND,
        step: 'parse',
        path: '',
        message:
          `No config file found in ${cwd} or its parents up to the project root ` +
          `(looked for ${CONFIG_SEARCH_PLACES.slice(0, -1).join(', ')} and an \`iochain\` key ` +
          `in package.json). Name one: iochain validate config ${path.join('path', 'to', 'iochain.config.yaml')}.`,
      },
    ],
  }
}
