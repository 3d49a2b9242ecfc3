import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { createSilentLogger, type IOFilterReject, redactHeaders } from '@iochain/core'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiKeyAuth } from '../src/api-key-auth.ts'
import { chatContext, initFor } from './_context.ts'
import { tempDir } from './_temp-dir.ts'

const bobHash = createHash('sha256').update('sk-bob').digest('hex')

function keysDir(text: string): string {
  const dir = tempDir('iochain-keys-')
  writeFileSync(path.join(dir, 'keys.txt'), text)
  return dir
}

function outcome(auth: ApiKeyAuth, headers: Record<string, string>) {
  const ctx = chatContext({}, headers)
  try {
    auth.onRequest(ctx)
    return { identity: ctx.metadata.identity }
  } catch (err) {
    return { error: err as IOFilterReject }
  }
}

describe('ApiKeyAuth', () => {
  afterEach(() => {
    delete process.env.TEST_IOCHAIN_KEYS
  })

  it('accepts plain and hashed keys from a file and records the identity', () => {
    const dir = keysDir(`# team keys\nalice sk-alice\nbob sha256:${bobHash}\n`)
    const auth = new ApiKeyAuth({ keysFile: 'keys.txt' }, initFor('ApiKeyAuth', dir))
    expect(outcome(auth, { authorization: 'Bearer sk-alice' })).toEqual({ identity: 'alice' })
    expect(outcome(auth, { 'x-api-key': 'sk-bob' })).toEqual({ identity: 'bob' })
  })

  it('answers 401 invalid_api_key for a missing or wrong key, without echoing it', () => {
    process.env.TEST_IOCHAIN_KEYS = 'alice sk-alice, carol sk-carol'
    const auth = new ApiKeyAuth({ keysEnv: 'TEST_IOCHAIN_KEYS' }, initFor('ApiKeyAuth'))
    expect(outcome(auth, { authorization: 'Bearer sk-carol' })).toEqual({ identity: 'carol' })
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer sk-wrong-key' }]
    for (const headers of attempts) {
      const { error } = outcome(auth, headers)
      expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' })
      expect(error?.message).not.toContain('sk-wrong-key')
    }
  })

  it('refuses to start when its entry does not grant credentials', () => {
    const dir = keysDir('alice sk-alice\n')
    const init = { ...initFor('ApiKeyAuth', dir), credentials: false }
    expect(() => new ApiKeyAuth({ keysFile: 'keys.txt' }, init)).toThrow(
      expect.objectContaining({ code: 'IOC_ERR_FILTER_CREDENTIALS' }),
    )
  })

  it('fails a request clearly when it only sees redacted headers', () => {
    const dir = keysDir('alice sk-alice\n')
    const init = { name: 'ApiKeyAuth', logger: createSilentLogger(), baseDir: dir }
    const auth = new ApiKeyAuth({ keysFile: 'keys.txt' }, init)
    const ctx = chatContext({}, redactHeaders({ authorization: 'Bearer sk-alice' }))
    expect(() => auth.onRequest(ctx)).toThrow(/credentials: true/)
  })

  it('names the source and line of a malformed key entry', () => {
    const dir = keysDir('alice sk-alice\nbob sha256:nothex\n')
    expect(() => new ApiKeyAuth({ keysFile: 'keys.txt' }, initFor('ApiKeyAuth', dir))).toThrow(
      /options\.keysFile.*keys\.txt, line 2: a sha256: key must be followed by 64 hexadecimal/,
    )
    expect(() => new ApiKeyAuth({}, initFor('ApiKeyAuth'))).toThrow(
      expect.objectContaining({ code: 'IOC_ERR_FILTER_OPTIONS' }),
    )
  })
})
