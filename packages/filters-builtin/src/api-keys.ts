import { createHash } from 'node:crypto'

/** One accepted key: who it belongs to and the SHA-256 digest of the key. */
export interface ApiKeyRecord {
  identity: string
  digest: Buffer
}

/**
 * Parses key entries, one per line (a file) or per comma (an environment variable):
 * `<identity> <key>` or `<identity> sha256:<64 hex digits>`; `#` starts a comment line.
 * `where` names the source in errors; a line's number is added.
 */
export function parseApiKeys(text: string, where: string, from: 'file' | 'env'): ApiKeyRecord[] {
  const records: ApiKeyRecord[] = []
  text.split(from === 'file' ? '\n' : ',').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const at = `${where}, ${from === 'file' ? 'line' : 'entry'} ${index + 1}`
    const parts = line.split(/\s+/)
    if (parts.length !== 2) {
      throw new Error(`${at}: expected \`<identity> <key>\` or \`<identity> sha256:<hex>\``)
    }
    const [identity, secret] = parts as [string, string]
    records.push({ identity, digest: digestOf(secret, at) })
  })
  return records
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function digestOf(secret: string, at: string): Buffer {
  if (!secret.startsWith('sha256:')) return sha256(secret)
  const hex = secret.slice('sha256:'.length)
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`${at}: a sha256: key must be followed by 64 hexadecimal digits`)
  }
  return Buffer.from(hex, 'hex')
}
