import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCaptured } from './cli-io.ts'

const CORPUS = path.join(import.meta.dirname, 'fixtures/broken-configs')

describe('iochain run with a config', () => {
  it('refuses to start with the report validate config prints', async () => {
    const file = path.join(CORPUS, '26-options-wrong-type.yaml')
    const validate = await runCaptured('validate', 'config', file)
    const run = await runCaptured('run', '--config', file, '--port', '0')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('the config is not valid; not starting')
    expect(run.stderr).toContain(validate.stdout)
    expect(run.stdout).toBe('')
  })

  it('names the flag, not the file, when a command-line value is wrong', async () => {
    const file = path.join(CORPUS, '31-port-out-of-range.yaml')
    const run = await runCaptured('run', '--config', file, '--upstream', 'ftp://x', '--port', '0')
    expect(run.code).toBe(1)
    // --port replaced the file's bad port; --upstream brought its own problem.
    expect(run.stderr).toMatch(
      /upstream\.url {2}given by --upstream\n {4}must be an http:\/\/ or https:\/\/ URL/,
    )
    expect(run.stderr).not.toContain('listen.port')
  })

  it('exits 2 when the named config file does not exist', async () => {
    const run = await runCaptured('run', '--config', path.join(CORPUS, 'absent.yaml'))
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('[IOC_ERR_CONFIG_NOT_FOUND]')
  })
})
