import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCaptured } from './cli-io.ts'
import { tempDir } from './helpers.ts'

const CORPUS = path.join(import.meta.dirname, 'fixtures/broken-configs')
const EXAMPLE = path.join(import.meta.dirname, '../../../examples/iochain.config.yaml')

interface Expected {
  code: string
  path: string
  line: number | null
  message: string
}

const expected = JSON.parse(readFileSync(path.join(CORPUS, 'expected.json'), 'utf8')) as Record<
  string,
  Expected
>

describe('iochain validate config', () => {
  it('passes the example config with a report of each filter, and exits 0', async () => {
    const { code, stdout } = await runCaptured('validate', 'config', EXAMPLE)
    expect(code).toBe(0)
    expect(stdout).toMatch(
      /1\. +HelloFilter +\.\/hello-filter\.ts:HelloFilter +blocking +onRequest, onResponse/,
    )
    expect(stdout).toMatch(
      /2\. +RequestLogger +@iochain\/filters-builtin:RequestLogger +background +onResponse/,
    )
    expect(stdout).toContain('✔ Valid: 2 filters, no problems.')
  })

  it("passes the README's config with every key once its API key variable is set", async () => {
    const readme = readFileSync(path.join(EXAMPLE, '../../README.md'), 'utf8')
    const block = /Every key a file can hold looks like this:\n\n```yaml\n([^`]+)```/.exec(readme)
    const dir = await tempDir()
    const file = path.join(dir, 'iochain.config.yaml')
    writeFileSync(file, block?.[1] ?? '')
    copyFileSync(path.join(EXAMPLE, '../hello-filter.ts'), path.join(dir, 'hello-filter.ts'))

    const saved = process.env.OPENAI_API_KEY
    try {
      delete process.env.OPENAI_API_KEY
      const unset = await runCaptured('validate', 'config', file, '--json')
      expect(JSON.parse(unset.stdout).problems).toMatchObject([{ path: 'upstream.apiKeyEnv' }])
      process.env.OPENAI_API_KEY = 'sk-test'
      const { code, stdout } = await runCaptured('validate', 'config', file)
      expect(stdout).toContain('✔ Valid: 2 filters, no problems.')
      expect(code).toBe(0)
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY
      else process.env.OPENAI_API_KEY = saved
    }
  })

  it('prints the same report as JSON with --json', async () => {
    const { code, stdout } = await runCaptured('validate', 'config', EXAMPLE, '--json')
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report).toMatchObject({ valid: true, format: 'yaml', file: EXAMPLE, problems: [] })
    expect(report.filters[1]).toEqual({
      index: 1,
      name: 'RequestLogger',
      spec: '@iochain/filters-builtin:RequestLogger',
      kind: 'background',
      worker: false,
      hooks: ['onResponse'],
    })
  })

  it('exits 2 for a file that does not exist and for usage errors', async () => {
    const missing = await runCaptured('validate', 'config', path.join(CORPUS, 'nope.yaml'))
    expect(missing.code).toBe(2)
    expect(missing.stdout).toContain('The config file does not exist.  [IOC_ERR_CONFIG_NOT_FOUND]')
    const usage = await runCaptured('validate', 'config', 'a.yaml', 'b.yaml')
    expect(usage.code).toBe(2)
  })

  it('has a broken config for every expectation and at least 30 of them', () => {
    const files = readdirSync(CORPUS)
      .filter((f) => f !== 'filters' && f !== 'expected.json')
      .map((f) => (statSync(path.join(CORPUS, f)).isDirectory() ? `${f}/package.json` : f))
    expect(files.sort()).toEqual(Object.keys(expected).sort())
    expect(files.length).toBeGreaterThanOrEqual(30)
  })

  describe.each(Object.entries(expected))('on %s', (file, want) => {
    it('exits 1 with its own problem, code and place', async () => {
      const { code, stdout } = await runCaptured(
        'validate',
        'config',
        path.join(CORPUS, file),
        '--json',
      )
      expect(code).toBe(1)
      const report = JSON.parse(stdout)
      expect(report.valid).toBe(false)
      expect(report.problems).toHaveLength(1)
      const [problem] = report.problems
      expect(problem.code).toBe(want.code)
      expect(problem.path).toBe(want.path)
      expect(problem.line ?? null).toBe(want.line)
      expect(problem.message).toContain(want.message)
      // One line, no stack: neither a JavaScript one nor Node's `Require stack:`.
      expect(problem.message).not.toContain('\n')
    })

    it('says it in the human report, with the line', async () => {
      const { code, stdout } = await runCaptured('validate', 'config', path.join(CORPUS, file))
      expect(code).toBe(1)
      const place = want.line === null ? path.basename(file) : `${path.basename(file)}:${want.line}`
      expect(stdout).toContain(`${want.path || '(config file)'}  `)
      expect(stdout).toContain(place)
      expect(stdout).toContain(`${want.message}`)
      expect(stdout).toContain(`[${want.code}]`)
    })
  })
})
