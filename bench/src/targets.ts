import { fileURLToPath } from 'node:url'
import { BASELINE_TARGETS, BENCH_API_KEY, type BenchTarget } from '@iochain/cli/bench'
import type { FilterEntry } from '@iochain/core'

// The README's example config, as an operator would start from it.
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/iochain.config.yaml', import.meta.url))
const BUILTIN_CONFIG = fileURLToPath(new URL('../configs/builtin-chain.yaml', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

const NOOP_SPEC = `${fileURLToPath(new URL('./noop-filter.js', import.meta.url))}:NoopFilter`

function noops(count: number, blocking: boolean): FilterEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    use: NOOP_SPEC,
    name: `noop-${i + 1}`,
    blocking,
  }))
}

/** The project's standard comparison, in the order the tables show it. */
export const STANDARD_TARGETS: BenchTarget[] = [
  ...BASELINE_TARGETS,
  { id: 'iochain-0', label: 'IOChain, no filters', spec: { kind: 'gateway', filters: [] } },
  {
    id: 'iochain-1',
    label: 'IOChain, 1 no-op blocking',
    spec: { kind: 'gateway', filters: noops(1, true) },
  },
  {
    id: 'iochain-10',
    label: 'IOChain, 10 no-op blocking',
    spec: { kind: 'gateway', filters: noops(10, true) },
  },
  {
    id: 'iochain-10bg',
    label: 'IOChain, 10 no-op background',
    spec: { kind: 'gateway', filters: noops(10, false) },
  },
  {
    id: 'iochain-example',
    label: 'IOChain, README example config',
    spec: { kind: 'gateway', config: EXAMPLE_CONFIG, baseDir: REPO_ROOT },
  },
  {
    id: 'iochain-builtin',
    label: 'IOChain, built-in chain',
    spec: {
      kind: 'gateway',
      config: BUILTIN_CONFIG,
      baseDir: REPO_ROOT,
      env: { IOCHAIN_BENCH_KEYS: `bench ${BENCH_API_KEY}` },
    },
  },
]
