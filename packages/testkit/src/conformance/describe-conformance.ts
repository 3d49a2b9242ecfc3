import { describeError, type IOFilter, loadFilter } from '@iochain/core'
import { createContext } from '../context.ts'
import { runFilter } from '../run-filter.ts'
import { check } from './check.ts'
import { OUTCOMES, SHAPES, type Shape, texts } from './matrix.ts'
import { checkFilterOptions } from './options.ts'
import { detectRunner, type TestRunner } from './runner.ts'
import { loadSubject, type Subject } from './subject.ts'

export type { TestRunner } from './runner.ts'

export interface ConformanceOptions {
  /** The options the filter is constructed with, as a config entry would give them. */
  options?: unknown
  /** Options `validate config` must refuse, through the filter's schema or its constructor. */
  invalidOptions?: unknown[]
  /** Where a relative spec resolves; the current folder unless given. */
  baseDir?: string
  /**
   * Run the matrix in a worker thread of the pool, on context snapshots, as `worker: true` in a
   * config does. Unless given, what the filter declares (`static worker = true`).
   */
  worker?: boolean
  /** The runner's `describe` and `it`; detected unless given. */
  runner?: TestRunner
  /** Size of the huge message in the matrix; 256 KiB unless given. */
  hugeBytes?: number
}

/**
 * Registers a suite that checks a filter the way IOChain will use it: loaded by spec as
 * `iochain run` loads it, its hooks, its options as `validate config` checks them, every
 * endpoint streaming or not with every outcome and awkward messages (in the worker pool for a
 * worker filter), and `close()`.
 *
 * @example
 * describeFilterConformance('./src/index.ts:MyFilter', { options: { limit: 3 } })
 */
export function describeFilterConformance(spec: string, options: ConformanceOptions = {}): void {
  const { describe, it } = options.runner ?? detectRunner()
  const baseDir = options.baseDir ?? process.cwd()
  const load = () => loadFilter(spec, { baseDir, options: options.options })

  describe(`IOChain filter conformance: ${spec}`, () => {
    it('loads by spec as `iochain run` loads it', async () => {
      const { filter, name } = await load()
      check(typeof name === 'string' && name !== '', `its name is ${JSON.stringify(name)}`)
      await close(filter)
    })

    it('declares hooks, `blocking` and `close` with the right types', async () => {
      const { filter } = await load()
      checkShape(filter)
      await close(filter)
    })

    it('accepts its options and refuses invalid ones, as `validate config` does', async () => {
      await checkFilterOptions(spec, baseDir, options)
    })

    for (const shape of SHAPES) {
      it(`runs on ${describeShape(shape)} for every outcome and message`, async () => {
        const subject = await loadSubject(spec, baseDir, options)
        try {
          await runMatrix(subject, shape, options.hugeBytes ?? 256 * 1024)
        } finally {
          await subject.close()
        }
      })
    }

    it('closes cleanly, whether or not it served a request', async () => {
      const idle = await load()
      await close(idle.filter)
      const busy = await load()
      await runFilter(busy.filter, createContext())
      await close(busy.filter)
    })
  })
}

// --- internal ---

async function runMatrix(subject: Subject, shape: Shape, hugeBytes: number) {
  const problems: string[] = []
  for (const outcome of OUTCOMES) {
    for (const { label, text } of texts(hugeBytes)) {
      const where = `${outcome}, ${label}`
      const result = await runFilter(subject.entry, createContext({ ...shape, text, outcome }))
      for (const e of result.errors) {
        problems.push(`${where}: ${e.hook} threw ${describeError(e.error)}`)
      }
      if (result.rejection && !result.rejection.message) {
        problems.push(`${where}: rejected with an empty message`)
      }
      for (const warning of subject.warnings.splice(0)) problems.push(`${where}: ${warning}`)
    }
  }
  const mode = subject.worker ? ' in a worker thread' : ''
  check(problems.length === 0, `on ${describeShape(shape)}${mode}:\n  ${problems.join('\n  ')}`)
}

function checkShape(filter: IOFilter): void {
  const problems: string[] = []
  for (const hook of ['onRequest', 'onResponse', 'close'] as const) {
    const value = filter[hook]
    if (value !== undefined && typeof value !== 'function') {
      problems.push(`\`${hook}\` is ${typeof value}, not a function`)
    }
  }
  if (typeof filter.onRequest !== 'function' && typeof filter.onResponse !== 'function') {
    problems.push('it has neither onRequest nor onResponse')
  }
  if (filter.blocking !== undefined && typeof filter.blocking !== 'boolean') {
    problems.push(`\`blocking\` is ${typeof filter.blocking}, not a boolean`)
  }
  if (filter.name !== undefined && typeof filter.name !== 'string') {
    problems.push(`\`name\` is ${typeof filter.name}, not a string`)
  }
  check(problems.length === 0, problems.join('; '))
}

async function close(filter: IOFilter): Promise<void> {
  if (typeof filter.close !== 'function') return
  try {
    await filter.close()
  } catch (err) {
    check(false, `close() threw: ${describeError(err)}`)
  }
}

function describeShape(shape: Shape): string {
  if (shape.endpoint === 'embeddings') return 'embeddings'
  return `${shape.endpoint} (${shape.stream ? 'streaming' : 'not streaming'})`
}
