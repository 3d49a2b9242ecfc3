/** Where the CLI writes; injectable so tests can capture it. */
export interface CliIO {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr }

/** An expected failure: printed as its message alone, never with a stack. */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number

  constructor(message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

/** A failure the command has already reported in full; only its exit code is left to give. */
export class ReportedFailure extends Error {
  override name = 'ReportedFailure'
  readonly exitCode: number

  constructor(exitCode: number) {
    super(`exit ${exitCode}`)
    this.exitCode = exitCode
  }
}

export function printError(io: CliIO, message: string): void {
  io.stderr.write(`iochain: ${message}\n`)
}
