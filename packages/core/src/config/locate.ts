import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import type { ConfigPath, SourcePosition } from './problem.ts'

/** Finds where a config path sits in a JSON or YAML text. */
export interface Locator {
  /** The value at `path`, or its nearest ancestor that exists; `key` points at the key instead. */
  locate(path: ConfigPath, options?: { key?: boolean }): SourcePosition | undefined
}

/** A locator over `text`; `prefix` is where the config sits (`['iochain']` in package.json). */
export function createLocator(text: string, prefix: ConfigPath = []): Locator {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false })
  return {
    locate(path, options = {}) {
      const offset = findOffset(doc, [...prefix, ...path], options.key ?? false)
      if (offset === undefined) return undefined
      const { line, col } = lineCounter.linePos(offset)
      return { line, column: col }
    },
  }
}

function findOffset(doc: Document, path: ConfigPath, wantKey: boolean): number | undefined {
  let node = doc.contents as Node | null
  let offset = node?.range?.[0]
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === `${segment}`)
      if (!pair) return offset
      const key = pair.key as Node
      if (last && wantKey) return key.range?.[0] ?? offset
      node = (pair.value as Node | null) ?? key
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined
      if (!item) return offset
      node = item
    } else {
      return offset
    }
    offset = node.range?.[0] ?? offset
  }
  return offset
}
