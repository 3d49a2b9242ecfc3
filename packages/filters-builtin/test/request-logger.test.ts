import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createIOContext, createSilentLogger } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { RequestLogger } from '../src/request-logger.ts'
import { tempDir } from './_temp-dir.ts'

describe('RequestLogger', () => {
  it('writes one JSON line per finished request, without bodies or headers', async () => {
    const dir = tempDir('iochain-reqlog-')
    const logger = new RequestLogger(
      { destination: 'logs/requests.jsonl' },
      { name: 'RequestLogger', logger: createSilentLogger(), baseDir: dir },
    )
    const ctx = createIOContext({
      requestId: 'req-1',
      endpoint: 'chat.completions',
      request: { model: 'm', messages: [{ role: 'user', content: 'secret prompt' }] },
      headers: { authorization: 'Bearer sk-secret' },
      client: { address: '127.0.0.1', port: 1 },
      receivedAt: 1_000,
    })
    ctx.response = { status: 200, headers: {}, body: { choices: [] } }
    ctx.usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }
    ctx.timings.firstTokenAt = 1_020
    ctx.timings.finishedAt = 1_050
    ctx.outcome = { kind: 'ok', status: 200 }

    logger.onResponse(ctx)
    await logger.close()

    const text = readFileSync(path.join(dir, 'logs/requests.jsonl'), 'utf8')
    const lines = text.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      requestId: 'req-1',
      endpoint: 'chat.completions',
      model: 'm',
      status: 200,
      outcome: 'ok',
      latencyMs: 50,
      ttftMs: 20,
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    })
    expect(text).not.toContain('secret')
  })
})
