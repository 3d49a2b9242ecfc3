import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest'
import { checkConfig } from '../src/config/check-config.ts'
import { readConfig } from '../src/config/read-config.ts'
import { resolveConfig } from '../src/config/resolve-config.ts'
import { configSchema, type FilterEntryConfig, type IOChainConfig } from '../src/config/schema.ts'
import { ErrorCodes } from '../src/errors.ts'
import type { FilterEntry } from '../src/loader/resolve-filters.ts'

const FILTER = `
export class Audit {
  static optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'integer', minimum: 1 } },
  }
  constructor(options) { this.limit = options?.limit }
  onResponse() {}
}
`

const folders: string[] = []
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'iochain-config-'))
  folders.push(dir)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

async function read(dir: string, file?: string) {
  const result = await readConfig({ cwd: dir, file })
  if (!result.ok) throw new Error(`expected a config in ${dir}: ${result.problem?.message}`)
  return result.file
}

describe('the config schema', () => {
  it('is the file shipped for editors', () => {
    const shipped = readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8')
    expect(JSON.parse(shipped)).toEqual(configSchema)
  })

  it('types filter entries the loader accepts', () => {
    // The config types are computed from the schema; the loader's entry type must take them.
    expectTypeOf<FilterEntryConfig>().toExtend<FilterEntry>()
    expectTypeOf<IOChainConfig['listen']>().toEqualTypeOf<
      { host?: string; port?: number } | undefined
    >()
  })
})

describe('readConfig', () => {
  const formats: Array<[string, string, string]> = [
    [
      'iochain.config.ts',
      'typescript',
      `import { defineConfig } from '@iochain/core'
       export default defineConfig({ listen: { port: 9001 } })`,
    ],
    ['iochain.config.mts', 'typescript', 'export default { listen: { port: 9001 as number } }'],
    ['iochain.config.js', 'javascript', 'export default { listen: { port: 9001 } }'],
    ['iochain.config.mjs', 'javascript', 'export default { listen: { port: 9001 } }'],
    ['iochain.config.cjs', 'javascript', 'module.exports = { listen: { port: 9001 } }'],
    ['.iochainrc', 'yaml', 'listen:\n  port: 9001\n'],
    ['.iochainrc', 'yaml', '{ "listen": { "port": 9001 } }'],
    ['.iochainrc.yaml', 'yaml', 'listen:\n  port: 9001\n'],
    ['.iochainrc.json', 'json', '{ "listen": { "port": 9001 } }'],
    ['.iochainrc.yml', 'yaml', 'listen: { port: 9001 }\n'],
    ['package.json', 'package.json', '{ "name": "x", "iochain": { "listen": { "port": 9001 } } }'],
  ]
  it.each(formats)('finds and parses %s', async (name, format, text) => {
    const file = await read(folder({ [name]: text }))
    expect(file.format).toBe(format)
    expect(file.config).toEqual({ listen: { port: 9001 } })
  })

  it('searches from the current folder upward', async () => {
    const dir = folder({ '.iochainrc.yaml': 'listen: { port: 1 }\n', 'deep/er/x.txt': '' })
    const file = await read(path.join(dir, 'deep/er'))
    expect(file.file).toBe(path.join(dir, '.iochainrc.yaml'))
    expect(file.baseDir).toBe(dir)
  })

  it('reports no file as absent and a named missing file as not found', async () => {
    const dir = folder({ 'package.json': '{ "name": "empty" }' })
    expect(await readConfig({ cwd: dir })).toEqual({ ok: false, problem: undefined })
    const named = await readConfig({ cwd: dir, file: 'nope.yaml' })
    expect(named.ok).toBe(false)
    expect(!named.ok && named.problem?.code).toBe(ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND)
  })

  it('reads a JSON file that starts with a byte order mark', async () => {
    const dir = folder({ 'bom.json': '\uFEFF{ "listen": { "port": 9001 } }' })
    expect((await read(dir, 'bom.json')).config).toEqual({ listen: { port: 9001 } })
  })

  it('takes a named file of comments only as an empty config, and `null` as written', async () => {
    const dir = folder({ 'notes.yaml': '# nothing yet\n', 'null.json': 'null\n' })
    expect((await read(dir, 'notes.yaml')).config).toEqual({})
    expect((await read(dir, 'null.json')).config).toBeNull()
  })

  it('reports a named package.json without an `iochain` key, not "no file found"', async () => {
    const dir = folder({ 'package.json': '{ "name": "x" }' })
    const named = await readConfig({ cwd: dir, file: 'package.json' })
    expect(named.ok).toBe(false)
    expect(!named.ok && named.problem).toMatchObject({
      code: ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND,
      file: path.join(dir, 'package.json'),
      message: 'This package.json has no `iochain` key.',
    })
  })
})

describe('checkConfig', () => {
  it('lists each filter with its kind and hooks, and resolves the settings', async () => {
    const dir = folder({
      'audit.ts': FILTER,
      'iochain.config.yaml': [
        'upstream: { url: "http://127.0.0.1:9/v1", apiKeyEnv: TEST_KEY }',
        'filters:',
        '  - use: ./audit.ts:Audit',
        '    options: { limit: 3 }',
        '    blocking: false',
        'limits: { bodyBytes: 1024, backgroundQueue: 5 }',
      ].join('\n'),
    })
    const { report, resolved } = await checkConfig((await read(dir)).config, {
      source: await read(dir),
      env: { TEST_KEY: 'sk-test' },
    })
    expect(report.problems).toEqual([])
    expect(report.filters).toEqual([
      {
        index: 0,
        name: 'Audit',
        spec: './audit.ts:Audit',
        kind: 'background',
        worker: false,
        hooks: ['onResponse'],
      },
    ])
    expect(resolved?.upstream).toMatchObject({ url: 'http://127.0.0.1:9/v1', apiKey: 'sk-test' })
    expect(resolved?.listen).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(resolved?.limits).toEqual({ bodyBytes: 1024, backgroundQueue: 5 })
  })

  it('lets command-line values replace the file and names the flag in problems', async () => {
    const dir = folder({
      'audit.ts': FILTER,
      'iochain.config.yaml': 'listen: { port: 1 }\nfilters: [./audit.ts:Audit]\n',
    })
    const cwd = folder({ 'other.ts': FILTER.replace('Audit', 'Other') })
    const source = await read(dir)
    const { report, resolved } = await checkConfig(source.config, {
      source,
      cwd,
      overrides: { port: 2, filters: ['./other.ts:Other'] },
    })
    expect(report.filters.map((f) => f.name)).toEqual(['Other'])
    expect(resolved?.listen.port).toBe(2)

    const bad = await checkConfig(source.config, {
      source,
      overrides: { upstream: 'ftp://example' },
    })
    expect(bad.report.problems).toMatchObject([
      { code: ErrorCodes.IOC_ERR_CONFIG_SCHEMA, path: 'upstream.url', flag: '--upstream' },
    ])
    expect(bad.report.problems[0]).not.toHaveProperty('line')
  })

  it('checks the options of filters whose schemas share an $id, each against its own', async () => {
    const twin = (name: string, type: string) => `
      export class ${name} {
        static optionsSchema = { $id: 'options', type: 'object', properties: { n: { type: '${type}' } } }
        onRequest() {}
      }`
    const dir = folder({ 'a.ts': twin('A', 'integer'), 'b.ts': twin('B', 'string') })
    const { report } = await checkConfig(
      {
        filters: [
          { use: './a.ts:A', options: { n: 1 } },
          { use: './b.ts:B', options: { n: 1 } },
        ],
      },
      { cwd: dir },
    )
    expect(report.problems).toMatchObject([
      { code: ErrorCodes.IOC_ERR_FILTER_OPTIONS, path: 'filters[1].options.n' },
    ])
    expect(report.problems[0]?.message).toBe('must be a string, got 1.')
  })

  it('throws one coded error listing every problem from resolveConfig', async () => {
    await expect(resolveConfig({ listen: { port: -1 }, log: { levl: 'x' } })).rejects.toThrow(
      expect.objectContaining({
        code: ErrorCodes.IOC_ERR_CONFIG_INVALID,
        message: expect.stringMatching(/listen\.port: must be at least 0[\s\S]*log\.levl/),
      }),
    )
  })
})
