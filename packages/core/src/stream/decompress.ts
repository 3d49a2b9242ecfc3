import type { Transform } from 'node:stream'
import * as zlib from 'node:zlib'

const DECOMPRESSORS: Record<string, (() => Transform) | undefined> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
}

// Known limit: stacked codings (`gzip, br`) are forwarded but not aggregated; no server sends them.
/**
 * A streaming decoder for a response's `content-encoding`, or `null` when the body is not
 * encoded. Throws for a coding it does not know, or for more than one coding.
 */
export function createDecompressor(contentEncoding: string | undefined): Transform | null {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  if (codings.length === 0) return null
  const create = codings.length === 1 ? DECOMPRESSORS[codings[0]!] : undefined
  if (!create)
    throw new Error(`cannot decode a stream with content-encoding \`${contentEncoding}\``)
  return create()
}
