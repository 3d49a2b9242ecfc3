import { promisify } from 'node:util'
import * as zlib from 'node:zlib'

type Decoder = (bytes: Buffer) => Promise<Buffer>

const DECODERS: Record<string, Decoder | undefined> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  // Node 22.15 and later only.
  zstd: typeof zlib.zstdDecompress === 'function' ? promisify(zlib.zstdDecompress) : undefined,
}

/**
 * Undoes the upstream's `content-encoding` (codings listed in the order applied), so the body can
 * be parsed; throws on a coding it does not know or a body that does not decode.
 */
export async function decodeBody(bytes: Buffer, contentEncoding: string): Promise<Buffer> {
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  let out = bytes
  for (const coding of codings.reverse()) {
    const decode = DECODERS[coding]
    if (!decode) throw new Error(`unsupported content-encoding \`${coding}\``)
    out = await decode(out)
  }
  return out
}
