import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

/** An installed package that says it holds IOChain filters. */
export interface FilterPackage {
  name: string
  version: string
  description: string
  dir: string
}

export const FILTER_KEYWORD = 'iochain-filter'
const BUILTIN = '@iochain/filters-builtin'

/**
 * Packages carrying the `iochain-filter` keyword in every `node_modules` from `fromDirs` up to
 * the root, the nearest copy of a name first; `@iochain/filters-builtin` always counts.
 */
export async function findFilterPackages(fromDirs: readonly string[]): Promise<FilterPackage[]> {
  const found = new Map<string, FilterPackage>()
  for (const start of fromDirs) {
    for (const modules of nodeModulesUp(start)) {
      for (const dir of await packageDirs(modules)) {
        const pkg = await readManifest(dir)
        if (!pkg || found.has(pkg.name)) continue
        if (pkg.name === BUILTIN || pkg.keywords.includes(FILTER_KEYWORD)) {
          found.set(pkg.name, {
            name: pkg.name,
            version: pkg.version,
            description: pkg.description,
            dir,
          })
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
}

// --- internal ---

function* nodeModulesUp(start: string): Generator<string> {
  let dir = path.resolve(start)
  while (true) {
    yield path.join(dir, 'node_modules')
    const parent = path.dirname(dir)
    if (parent === dir) return
    dir = parent
  }
}

async function packageDirs(modules: string): Promise<string[]> {
  const entries = await readdir(modules, { withFileTypes: true }).catch(() => [])
  const dirs: string[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const dir = path.join(modules, entry.name)
    if (!entry.name.startsWith('@')) {
      dirs.push(dir)
      continue
    }
    const scoped = await readdir(dir).catch(() => [])
    for (const name of scoped) dirs.push(path.join(dir, name))
  }
  return dirs
}

interface Manifest {
  name: string
  version: string
  description: string
  keywords: string[]
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const raw = JSON.parse(
      await readFile(path.join(dir, 'package.json'), 'utf8'),
    ) as Partial<Manifest>
    if (typeof raw.name !== 'string') return undefined
    return {
      name: raw.name,
      version: typeof raw.version === 'string' ? raw.version : '',
      description: typeof raw.description === 'string' ? raw.description : '',
      keywords: Array.isArray(raw.keywords)
        ? raw.keywords.filter((k) => typeof k === 'string')
        : [],
    }
  } catch {
    return undefined
  }
}
