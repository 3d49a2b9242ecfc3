import { ErrorCodes, IOChainError } from '@iochain/core'

type TestBody = () => void | Promise<void>

/** The two functions of a test runner the conformance suite registers its tests with. */
export interface TestRunner {
  describe(name: string, body: () => void): unknown
  it(name: string, body: TestBody): unknown
}

/**
 * The runner the calling test file runs under: global `describe`/`it` (vitest with globals,
 * jest, mocha), else `node:test`. Vitest without globals cannot be found from here: it only
 * loads through `import`, which registration (synchronous) cannot wait for.
 */
export function detectRunner(): TestRunner {
  const globals = globalThis as Partial<TestRunner>
  if (typeof globals.describe === 'function' && typeof globals.it === 'function') {
    return { describe: globals.describe, it: globals.it }
  }
  if (process.env.VITEST) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_TESTKIT_RUNNER,
      'describeFilterConformance runs under vitest without `globals: true`: import it from ' +
        "`@iochain/testkit/vitest`, or pass `runner: { describe, it }` from 'vitest'.",
    )
  }
  const nodeTest = process.getBuiltinModule('node:test')
  return { describe: nodeTest.describe, it: nodeTest.it }
}
