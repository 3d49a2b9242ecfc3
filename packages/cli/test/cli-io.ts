import { Writable } from 'node:stream'
import type { CliIO } from '../src/io.ts'
import { runCli } from '../src/program.ts'

/** Runs the CLI in this process with captured output. */
export async function runCaptured(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = []
  const err: string[] = []
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk))
        done()
      },
    })
  const io: CliIO = { stdout: sink(out), stderr: sink(err) }
  const code = await runCli(['node', 'iochain', ...args], io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}
