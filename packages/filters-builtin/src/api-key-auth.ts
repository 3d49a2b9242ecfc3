import { timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  ErrorCodes,
  type FilterInit,
  IOChainError,
  type IOContext,
  type IOFilter,
  IOFilterReject,
  REDACTED,
} from '@iochain/core'
import { optionError } from './_options.ts'
import { type ApiKeyRecord, parseApiKeys, sha256 } from './api-keys.ts'

export interface ApiKeyAuthOptions {
  /** A file of `<identity> <key>` lines (relative to the config's folder). */
  keysFile?: string
  /** An environment variable holding comma-separated `<identity> <key>` entries. */
  keysEnv?: string
  /** Where `ctx.metadata` receives the caller's identity; `identity` unless given. */
  metadataKey?: string
}

/**
 * Lets a request through only with a known API key, sent as `Authorization: Bearer <key>` or
 * `x-api-key: <key>`. The caller's identity goes to `ctx.metadata.identity`.
 *
 * Its entry must set `credentials: true`: other filters see the key redacted, this one needs it.
 */
export class ApiKeyAuth implements IOFilter {
  static readonly description =
    'Lets requests through only with a known API key (entry needs credentials: true)'
  static readonly optionsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      keysFile: { type: 'string', minLength: 1, description: 'file of `<identity> <key>` lines' },
      keysEnv: { type: 'string', minLength: 1, description: 'environment variable with keys' },
      metadataKey: { type: 'string', minLength: 1, description: 'default `identity`' },
    },
  } as const

  readonly name: string
  readonly #keys: ApiKeyRecord[]
  readonly #metadataKey: string

  constructor(options: ApiKeyAuthOptions, init: FilterInit) {
    this.name = init.name
    if (init.credentials === false) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_FILTER_CREDENTIALS,
        `${init.name} reads the API key from the request headers, which filters see redacted: ` +
          'set `credentials: true` on its filter entry.',
      )
    }
    this.#keys = loadKeys(this.name, options ?? {}, init.baseDir)
    this.#metadataKey = options?.metadataKey ?? 'identity'
  }

  onRequest(ctx: IOContext): void {
    const presented = presentedKey(ctx.headers)
    if (presented === REDACTED) {
      // Reached only when the filter was built outside the loader, without `init.credentials`.
      throw new IOChainError(
        ErrorCodes.IOC_ERR_FILTER_CREDENTIALS,
        `${this.name} sees the API key redacted: set \`credentials: true\` on its filter entry.`,
      )
    }
    if (presented === undefined) {
      unauthorized(
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key'.",
      )
    }
    const identity = this.#identify(presented)
    if (identity === undefined) unauthorized('Incorrect API key provided.')
    ctx.metadata[this.#metadataKey] = identity
  }

  // Every stored digest is compared, so the time taken does not tell which key came close.
  #identify(key: string): string | undefined {
    const digest = sha256(key)
    let identity: string | undefined
    for (const record of this.#keys) {
      if (timingSafeEqual(digest, record.digest) && identity === undefined) {
        identity = record.identity
      }
    }
    return identity
  }
}

function presentedKey(headers: Readonly<Record<string, string>>): string | undefined {
  const auth = headers.authorization
  if (auth !== undefined) {
    if (auth === REDACTED) return REDACTED
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (match) return match[1]
  }
  const header = headers['x-api-key'] ?? headers['api-key']
  return header === undefined || header === '' ? undefined : header.trim()
}

function unauthorized(message: string): never {
  throw new IOFilterReject(message, {
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  })
}

function loadKeys(name: string, options: ApiKeyAuthOptions, baseDir: string): ApiKeyRecord[] {
  if (!options.keysFile && !options.keysEnv) {
    optionError(name, 'keysFile', 'or `options.keysEnv` must be given')
  }
  const keys: ApiKeyRecord[] = []
  try {
    if (options.keysFile) {
      const file = path.resolve(baseDir, options.keysFile)
      keys.push(...parseApiKeys(readFileSync(file, 'utf8'), file, 'file'))
    }
    if (options.keysEnv) {
      const value = process.env[options.keysEnv]
      if (!value) throw new Error(`the environment variable ${options.keysEnv} is not set`)
      keys.push(...parseApiKeys(value, `$${options.keysEnv}`, 'env'))
    }
  } catch (err) {
    optionError(name, options.keysFile ? 'keysFile' : 'keysEnv', `cannot be used: ${errText(err)}`)
  }
  if (keys.length === 0) optionError(name, 'keysFile', 'and `options.keysEnv` hold no key')
  return keys
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
