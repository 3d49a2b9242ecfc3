import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { describeFilterConformance } from '../src/conformance/describe-conformance.ts'
import { describeFilterConformance as describeWithVitest } from '../src/vitest.ts'

const baseDir = import.meta.dirname

// The suite as a real vitest run registers it.
describeWithVitest('./fixtures/filters.ts:MaxTokens', {
  baseDir,
  options: { max: 10_000 },
  invalidOptions: [{ max: 'ten' }, { max: 0 }, { unknown: true }],
  hugeBytes: 64 * 1024,
})

/** Runs the suite with a stand-in runner and returns each test's failure, if any. */
async function outcomes(spec: string, options = {}): Promise<Map<string, string | undefined>> {
  const tests: Array<[string, () => unknown]> = []
  describeFilterConformance(spec, {
    baseDir,
    hugeBytes: 4096,
    ...options,
    runner: { describe: (_name, body) => body(), it: (name, body) => tests.push([name, body]) },
  })
  const results = new Map<string, string | undefined>()
  for (const [name, body] of tests) {
    results.set(
      name,
      await Promise.resolve()
        .then(body)
        .then(
          () => undefined,
          (err: Error) => `${err.name}: ${err.message}`,
        ),
    )
  }
  return results
}

describe('describeFilterConformance', () => {
  it('fails a filter that breaks on outcomes without usage, naming the cases', async () => {
    const results = await outcomes('./fixtures/filters.ts:TrustsUsage')
    const failure = results.get(
      'runs on chat.completions (streaming) for every outcome and message',
    )
    expect(failure).toMatch(/^AssertionError/)
    expect(failure).toMatch(/error, an empty message: onResponse threw/)
    expect(results.get('loads by spec as `iochain run` loads it')).toBeUndefined()
  })

  it('fails options that the schema accepts and the filter should not', async () => {
    const results = await outcomes('./fixtures/filters.ts:MaxTokens', {
      invalidOptions: [{ max: 5 }],
    })
    expect(
      results.get('accepts its options and refuses invalid ones, as `validate config` does'),
    ).toMatch(/accepted the invalid options \{"max":5\}/)
  })

  it('fails a worker filter whose metadata cannot be cloned back', async () => {
    const results = await outcomes('./fixtures/filters.ts:KeepsCallback')
    expect(results.get('runs on embeddings for every outcome and message')).toMatch(
      /in a worker thread:\n.*metadata written in a worker thread could not be cloned and was left out \(later\)/,
    )
  }, 60_000)

  it('passes a worker filter, running it in the pool', async () => {
    const results = await outcomes('./fixtures/filters.ts:NotesThread')
    expect([...results.values()].filter(Boolean)).toEqual([])
    expect(results.size).toBe(11)
  }, 60_000)

  it('fails a spec that does not load, with the loader message', async () => {
    const results = await outcomes('./fixtures/filters.ts:Missing')
    expect(results.get('loads by spec as `iochain run` loads it')).toMatch(
      /has no export `Missing`/,
    )
  })

  it('runs under node:test as well', async () => {
    const file = path.join(baseDir, 'fixtures/node-test-suite.mjs')
    // Without vitest's variables, as a package's own `node --test` script would run.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
    )
    const args = ['--test', '--test-reporter=tap', file]
    const run = await promisify(execFile)(process.execPath, args, { cwd: baseDir, env }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    )
    // Two suites of eleven: one conforming filter, one failing each of its seven matrix tests.
    expect(run.out).toMatch(/# pass 15/)
    expect(run.out).toMatch(/# fail 7/)
    expect(run.code).toBe(1)
  })
})
