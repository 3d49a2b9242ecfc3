import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Jiti } from 'jiti'

let jiti: Jiti | undefined

// jiti is created lazily, once per process; it transpiles TypeScript and caches the result.
async function getJiti(): Promise<Jiti> {
  if (!jiti) {
    const { createJiti } = await import('jiti')
    // A filter file outside any project that installed IOChain can still import the running
    // `@iochain/core`, so a single file is enough to write a filter.
    jiti = createJiti(import.meta.url, {
      interopDefault: false,
      moduleCache: true,
      alias: { '@iochain/core': fileURLToPath(new URL('../index.js', import.meta.url)) },
    })
  }
  return jiti
}

/** Imports a file, TypeScript or JavaScript, ESM or CommonJS, and returns its namespace. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  const loader = await getJiti()
  const namespace = await loader.import<Record<string, unknown>>(file)
  return (namespace ?? {}) as Record<string, unknown>
}

/** Resolves a package specifier with ESM conditions from `baseDir`; `undefined` when absent. */
export async function resolvePackage(module: string, baseDir: string): Promise<string | undefined> {
  const loader = await getJiti()
  const parentURL = pathToFileURL(path.join(baseDir, 'noop.js')).href
  const resolved = loader.esmResolve(module, { parentURL, try: true })
  if (!resolved) return undefined
  return resolved.startsWith('file:') ? fileURLToPath(resolved) : resolved
}
