import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { classNameFor } from '../src/scaffold/names.ts'
import { cli, linkWorkspacePackages, runNode, tempDir, writeFiles } from './helpers.ts'

describe('iochain init filter', () => {
  it('creates a package whose tests, type check and build pass as generated', async () => {
    const dir = path.join(await tempDir(), 'pii-guard')
    const made = await cli('init', 'filter', '@acme/iochain-pii-guard', dir)
    expect(made.code).toBe(0)
    expect(made.out).toMatch(/filter class PiiGuard/)

    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({
      name: '@acme/iochain-pii-guard',
      keywords: ['iochain-filter'],
      peerDependencies: { '@iochain/core': '^0.1.0' },
    })
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toMatch(
      /use: '@acme\/iochain-pii-guard:PiiGuard'/,
    )

    await linkWorkspacePackages(dir)
    const vitest = path.join(dir, 'node_modules/vitest/vitest.mjs')
    const tsc = path.join(dir, 'node_modules/typescript/bin/tsc')
    const tests = await runNode(dir, [vitest, 'run'])
    expect(tests.out).toMatch(/Tests\s+13 passed/)
    expect(tests.code).toBe(0)
    expect(await runNode(dir, [tsc, '-p', 'tsconfig.json'])).toEqual({ code: 0, out: '' })
    expect(await runNode(dir, [tsc, '-p', 'tsconfig.build.json'])).toEqual({ code: 0, out: '' })
    expect(await readdir(path.join(dir, 'dist'))).toContain('index.d.ts')
  }, 120_000)

  it('refuses a folder that is not empty and leaves it as it was', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'notes.txt': 'mine' })
    const made = await cli('init', 'filter', 'iochain-audit', dir)
    expect(made.code).toBe(1)
    expect(made.err).toMatch(/already exists and is not empty/)
    expect(await readdir(dir)).toEqual(['notes.txt'])
    expect(await readdir(path.dirname(dir))).not.toContainEqual(
      expect.stringMatching(/iochain-init/),
    )
  })

  it('refuses a name npm would refuse, saying why', async () => {
    const made = await cli('init', 'filter', 'My Filter')
    expect(made.code).toBe(2)
    expect(made.err).toMatch(/`My Filter` is not a valid npm package name/)
  })

  it('derives the class from the words that say what the filter does', () => {
    expect(classNameFor('@acme/iochain-pii-guard')).toBe('PiiGuard')
    expect(classNameFor('budget-filter')).toBe('Budget')
    expect(classNameFor('iochain-filter')).toBe('MyFilter')
    expect(classNameFor('2fa-check')).toBe('Filter2faCheck')
  })
})
