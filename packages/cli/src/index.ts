export { CliError, type CliIO } from './io.ts'
export { createProgram, runCli } from './program.ts'
