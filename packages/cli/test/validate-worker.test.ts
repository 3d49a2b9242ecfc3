import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCaptured } from './cli-io.ts'
import { tempDir } from './helpers.ts'

const FILTERS = `
import { isMainThread } from 'node:worker_threads'
import type { IOContext } from '@iochain/core'
export class Pii {
  static worker = true
  blocking = false
  constructor() {
    if (isMainThread) throw new Error('Pii must be constructed in a worker thread')
  }
  onRequest(ctx: IOContext) {}
}
export class Gate {
  onRequest(ctx: IOContext) {}
}
`

const CONFIG = `
filters:
  - ./filters.ts:Pii
  - use: ./filters.ts:Gate
    worker: true
  - use: ./filters.ts:Gate
    name: MainGate
workerPool:
  maxThreads: 2
`

describe('iochain validate config with worker filters', () => {
  let file: string

  beforeAll(async () => {
    const dir = await tempDir()
    writeFileSync(path.join(dir, 'filters.ts'), FILTERS)
    file = path.join(dir, 'iochain.config.yaml')
    writeFileSync(file, CONFIG)
  })

  it('says which filters run in the worker pool, constructed only there', async () => {
    const { code, stdout } = await runCaptured('validate', 'config', file)
    expect(code).toBe(0)
    expect(stdout).toMatch(/1\. +Pii +\.\/filters\.ts:Pii +background, worker pool +onRequest/)
    expect(stdout).toMatch(/2\. +Gate +\.\/filters\.ts:Gate +blocking, worker pool +onRequest/)
    expect(stdout).toMatch(/3\. +MainGate +\.\/filters\.ts:Gate +blocking +onRequest/)
    expect(stdout).toContain('In the worker pool: Pii, Gate.')
  })

  it('marks them in the JSON report', async () => {
    const { code, stdout } = await runCaptured('validate', 'config', file, '--json')
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(
      report.filters.map((f: { name: string; worker: boolean }) => [f.name, f.worker]),
    ).toEqual([
      ['Pii', true],
      ['Gate', true],
      ['MainGate', false],
    ])
  })
})
