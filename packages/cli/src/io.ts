/** Where the CLI writes; injectable so tests can capture it. */
export interface CliIO {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr }

/** An expected failure: printed as its message alone, never with a stack. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message)
  }
}

export function printError(io: CliIO, message: string): void {
  io.stderr.write(`iochain: ${message}\n`)
}
