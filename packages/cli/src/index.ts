export { createProgram, runCli } from './program.ts'
export { CliError, type CliIO } from './io.ts'
