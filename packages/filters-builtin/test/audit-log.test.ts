import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { createIOContext, type IOContext } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { AuditLog } from '../src/audit-log.ts'
import { initFor } from './_context.ts'
import { tempDir } from './_temp-dir.ts'

function finished(id: number, content = 'hello'): IOContext {
  const ctx = createIOContext({
    requestId: `req-${id}`,
    endpoint: 'chat.completions',
    request: { model: 'mock-model', messages: [{ role: 'user', content }] },
    headers: { authorization: 'Bearer sk-never-logged' },
    client: { address: '10.0.0.7', port: 1 },
    receivedAt: 1_000,
  })
  ctx.metadata.identity = 'alice'
  ctx.response = {
    status: 200,
    headers: {},
    body: { choices: [{ message: { role: 'assistant', content: 'Reach me at bob@example.org' } }] },
  }
  ctx.usage = { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 }
  ctx.timings.firstTokenAt = 1_010
  ctx.timings.finishedAt = 1_040
  ctx.outcome = { kind: 'ok', status: 200 }
  return ctx
}

function readLines(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => readFileSync(path.join(dir, name), 'utf8').split('\n'))
    .filter(Boolean)
}

describe('AuditLog', () => {
  it('writes one record per request, without prompts unless asked', async () => {
    const dir = tempDir('iochain-audit-')
    const audit = new AuditLog({ file: 'audit/audit.jsonl' }, initFor('AuditLog', dir))
    audit.onResponse(finished(1, 'my mail is jane@example.com'))
    await audit.close()
    const [line] = readLines(path.join(dir, 'audit'))
    expect(JSON.parse(line!)).toEqual({
      id: 'req-1',
      time: new Date(1_000).toISOString(),
      identity: 'alice',
      client: '10.0.0.7',
      endpoint: 'chat.completions',
      model: 'mock-model',
      stream: false,
      outcome: 'ok',
      status: 200,
      rejectedBy: null,
      code: null,
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      latencyMs: 40,
      ttftMs: 10,
    })
    expect(line).not.toContain('jane')
    expect(line).not.toContain('sk-never-logged')
  })

  it('includes prompts and completions on request, with personal data redacted', async () => {
    const dir = tempDir('iochain-audit-')
    const options = { file: 'a.jsonl', includePrompt: true, includeCompletion: true }
    const audit = new AuditLog(options, initFor('AuditLog', dir))
    audit.onResponse(finished(1, 'my mail is jane@example.com'))
    await audit.close()
    const record = JSON.parse(readLines(dir)[0]!)
    expect(record.prompt).toEqual(['my mail is [email]'])
    expect(record.completion).toEqual(['Reach me at [email]'])
  })

  it('rotates by size and keeps every record across the files', async () => {
    const dir = tempDir('iochain-audit-')
    const audit = new AuditLog({ file: 'a.jsonl', size: '1K' }, initFor('AuditLog', dir))
    for (let i = 0; i < 40; i++) {
      audit.onResponse(finished(i))
      // One record per turn of the event loop, so rotation keeps up and nothing is dropped.
      await new Promise((resolve) => setImmediate(resolve))
    }
    await audit.close()
    expect(readdirSync(dir).length).toBeGreaterThan(1)
    const ids = readLines(dir).map((line) => JSON.parse(line).id)
    expect(ids.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `req-${i}`).sort())
    expect(audit.droppedRecords).toBe(0)
  })

  it('drops records past its buffer only by counting them, and flushes the rest', async () => {
    const dir = tempDir('iochain-audit-')
    const options = { file: 'a.jsonl', maxPendingBytes: 1024 }
    const audit = new AuditLog(options, initFor('AuditLog', dir))
    // Written in one synchronous burst: the disk cannot keep up, so the buffer limit is reached.
    for (let i = 0; i < 500; i++) audit.onResponse(finished(i))
    await audit.close()
    const written = readLines(dir).length
    expect(audit.droppedRecords).toBeGreaterThan(0)
    expect(written + audit.droppedRecords).toBe(500)
  })
})
