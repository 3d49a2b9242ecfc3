import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStepSpinner } from '../src/config/spinner.ts'

function terminal(columns: number): Writable & { isTTY: boolean; columns: number; text: string } {
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        stream.text += String(chunk)
        done()
      },
    }),
    // What ora calls on a terminal stream, besides write().
    { isTTY: true, columns, text: '', cursorTo: () => true, clearLine: () => true },
  )
  return stream
}

describe('the validation spinner', () => {
  // ora draws nothing under CI or a dumb terminal; these tests need it to draw.
  const saved = { CI: process.env.CI, TERM: process.env.TERM }
  beforeEach(() => {
    delete process.env.CI
    process.env.TERM = 'xterm'
  })
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('draws each step on a terminal', () => {
    const stream = terminal(80)
    const spinner = createStepSpinner(stream)
    spinner.step('resolve')
    spinner.stop()
    expect(stream.text).toContain('Resolving filter specs')
  })

  it('stays silent, and ends, on a terminal that reports no columns', () => {
    const stream = terminal(0)
    const spinner = createStepSpinner(stream)
    spinner.step('parse')
    spinner.step('schema')
    spinner.stop()
    expect(stream.text).toBe('')
  })
})
