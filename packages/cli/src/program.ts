import { createRequire } from 'node:module'
import { Command, CommanderError } from 'commander'
import { registerBench } from './commands/bench.ts'
import { registerFilters } from './commands/filters-list.ts'
import { registerInit } from './commands/init.ts'
import { registerRun } from './commands/run.ts'
import { registerValidate } from './commands/validate.ts'
import { CliError, type CliIO, defaultIO, printError, ReportedFailure } from './io.ts'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** The `iochain` program with every command registered. */
export function createProgram(io: CliIO = defaultIO): Command {
  const program = new Command('iochain')
    .description('Run and check IOChain filter chains in front of OpenAI-compatible servers.')
    .version(version)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
  registerRun(program, io)
  registerValidate(program, io)
  registerInit(program, io)
  registerFilters(program, io)
  registerBench(program, io)
  return program
}

/** Parses `argv` and runs the command; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  try {
    await createProgram(io).parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
    if (err instanceof ReportedFailure) return err.exitCode
    if (err instanceof CliError) {
      printError(io, err.message)
      return err.exitCode
    }
    printError(io, err instanceof Error ? err.message : String(err))
    return 1
  }
}
