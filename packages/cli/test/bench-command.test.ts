import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { runCli } from '../src/program.ts'

function captureIO() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => {
    out += d
  })
  stderr.on('data', (d) => {
    err += d
  })
  return { io: { stdout, stderr }, text: () => ({ out, err }) }
}

// Each case starts the bench's processes on a possibly busy machine before it fails.
describe('iochain bench', { timeout: 30_000 }, () => {
  it('refuses a chain whose filter cannot be loaded, naming the spec, before measuring', async () => {
    const { io, text } = captureIO()
    const code = await runCli(
      ['node', 'iochain', 'bench', '--quick', '--filters', './no-such-filter.ts:Nope'],
      io,
    )
    expect(code).toBe(1)
    expect(text().err).toMatch(/iochain: target `chain` did not start: .*no-such-filter\.ts/)
    expect(text().out).toBe('')
  })

  it('refuses a config file that does not exist, naming it', async () => {
    const { io, text } = captureIO()
    const code = await runCli(
      ['node', 'iochain', 'bench', '--quick', '--config', './no-such-config.yaml'],
      io,
    )
    expect(code).toBe(1)
    expect(text().err).toMatch(/iochain: target `chain` did not start: .*no-such-config\.yaml/)
  })
})
