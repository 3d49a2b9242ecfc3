import type { Command } from 'commander'
import { findAndCheck } from '../config/find-and-check.ts'
import { formatReport } from '../config/print-report.ts'
import { type CliIO, ReportedFailure } from '../io.ts'

interface ValidateConfigOptions {
  json?: boolean
}

export function registerValidate(program: Command, io: CliIO): void {
  const validate = program
    .command('validate')
    .description('Check IOChain files before deploying them.')
  validate
    .command('config [file]')
    .description(
      'Check a config file: its syntax, its schema, and every filter resolved, constructed ' +
        'with its options and, for worker filters, loaded in a worker thread. Without a file, ' +
        'the config is searched from the current folder up to the project root. ' +
        'Exit codes: 0 valid, 1 invalid, 2 no config file or bad usage.',
    )
    .option('--json', 'print the report as JSON, for machines')
    .action((file: string | undefined, options: ValidateConfigOptions) =>
      validateConfig(file, options, io),
    )
}

async function validateConfig(
  file: string | undefined,
  options: ValidateConfigOptions,
  io: CliIO,
): Promise<void> {
  const cwd = process.cwd()
  const outcome = await findAndCheck({ file, cwd, requireFile: true, stderr: io.stderr })
  io.stdout.write(
    options.json
      ? `${JSON.stringify(outcome.report, null, 2)}\n`
      : formatReport(outcome.report, cwd),
  )
  if (outcome.exitCode !== 0) throw new ReportedFailure(outcome.exitCode)
}
