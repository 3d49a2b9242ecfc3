import { describe, expect, it } from 'vitest'
import { cli, tempDir, writeFiles } from './helpers.ts'

const acme = `
export class Scanner {
  static description = 'Scans prompts for secrets'
  static worker = true
  static optionsSchema = {
    type: 'object',
    properties: { patterns: { type: 'array', items: { type: 'string' }, description: 'regexes' } },
  }
  onRequest() {}
  close() {}
}
export const audit = { blocking: false, onResponse() {} }
export const VERSION = 3
export function helper() {}
`

async function project(): Promise<string> {
  const dir = await tempDir()
  await writeFiles(dir, {
    'node_modules/@acme/iochain-scanner/package.json': JSON.stringify({
      name: '@acme/iochain-scanner',
      version: '1.2.3',
      type: 'module',
      keywords: ['iochain-filter'],
      exports: { '.': { default: './index.js' } },
    }),
    'node_modules/@acme/iochain-scanner/index.js': acme,
    'node_modules/broken-filter/package.json': JSON.stringify({
      name: 'broken-filter',
      version: '0.0.1',
      type: 'module',
      keywords: ['iochain-filter'],
      main: 'index.js',
    }),
    'node_modules/broken-filter/index.js': 'throw new Error("cannot start")',
    'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.0.0' }),
  })
  return dir
}

describe('iochain filters list', () => {
  it('lists the filters of packages with the keyword, and the built-in ones', async () => {
    const listed = await cli('filters', 'list', '--json', '--dir', await project())
    expect(listed.code).toBe(0)
    const reports = JSON.parse(listed.out)
    expect(reports.map((r: { name: string }) => r.name)).toEqual([
      '@acme/iochain-scanner',
      '@iochain/filters-builtin',
      'broken-filter',
    ])
    expect(reports[0].filters).toEqual([
      {
        spec: '@acme/iochain-scanner:Scanner',
        kind: 'class',
        worker: true,
        hooks: ['onRequest', 'close'],
        description: 'Scans prompts for secrets',
        options: [{ name: 'patterns', type: 'string[]', description: 'regexes' }],
      },
      {
        spec: '@acme/iochain-scanner:audit',
        kind: 'object',
        mode: 'background',
        worker: false,
        hooks: ['onResponse'],
        description: '',
        options: [],
      },
    ])
    const builtins = reports[1].filters.map((f: { spec: string }) => f.spec)
    expect(builtins).toContain('@iochain/filters-builtin:RequestLogger')
    expect(builtins).toContain('@iochain/filters-builtin:RateLimit')
    expect(
      reports[1].filters.find((f: { spec: string }) => f.spec.endsWith(':Metrics')),
    ).toMatchObject({ kind: 'factory' })
    expect(reports[2].error).toMatch(/cannot start/)
  })

  it('prints a readable list', async () => {
    const listed = await cli('filters', 'list', '--dir', await project())
    expect(listed.out).toContain('@acme/iochain-scanner@1.2.3\n')
    expect(listed.out).toContain(
      '  @acme/iochain-scanner:Scanner  (class, worker; onRequest, close)\n',
    )
    expect(listed.out).toContain('    option patterns: string[]  regexes\n')
    expect(listed.out).toMatch(/broken-filter@0.0.1\n {2}cannot be loaded: .*cannot start/)
  })
})
