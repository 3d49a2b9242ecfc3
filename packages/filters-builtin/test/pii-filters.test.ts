import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { createIOContext, IOFilterReject } from '@iochain/core'
import { register } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { PiiGuard } from '../src/pii/pii-guard.ts'
import { PiiScanner } from '../src/pii/pii-scanner.ts'
import { chatContext, initFor } from './_context.ts'

const PROMPT = 'I am jane@example.com, card 4111 1111 1111 1111, mail bob@example.org'

describe('PiiScanner', () => {
  it('records counts by type for request and response, never the values', async () => {
    const scanner = new PiiScanner({}, initFor('PiiScanner'))
    const ctx = chatContext({ messages: [{ role: 'user', content: PROMPT }] })
    ctx.response = {
      status: 200,
      headers: {},
      body: { choices: [{ message: { role: 'assistant', content: 'Call 415-555-0132' } }] },
    }
    scanner.onRequest(ctx)
    scanner.onResponse(ctx)
    expect(ctx.metadata.pii).toEqual({ request: { email: 2, card: 1 }, response: { phone: 1 } })
    expect(JSON.stringify(ctx.metadata)).not.toContain('jane')
    const metric = await register.getSingleMetricAsString('iochain_pii_detections_total')
    expect(metric).toContain('iochain_pii_detections_total{type="email",part="request"} 2')
  })

  it('runs on a structured-clone snapshot inside a worker thread', async () => {
    const worker = new Worker(new URL('./fixtures/scan-in-worker.ts', import.meta.url), {
      workerData: { types: ['email'] },
    })
    try {
      const ctx = createIOContext({
        requestId: 'req-worker',
        endpoint: 'chat.completions',
        request: { model: 'm', messages: [{ role: 'user', content: PROMPT }] },
        headers: {},
        client: { address: '127.0.0.1', port: 1 },
      })
      worker.postMessage(ctx)
      const [metadata] = await once(worker, 'message')
      expect(metadata).toEqual({ pii: { request: { email: 2 } } })
    } finally {
      await worker.terminate()
    }
  })
})

describe('PiiGuard', () => {
  it('refuses a request with personal data, naming the types but not the values', () => {
    const guard = new PiiGuard({}, initFor('PiiGuard'))
    const ctx = chatContext({ messages: [{ role: 'user', content: PROMPT }] })
    let error: unknown
    try {
      guard.onRequest(ctx)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(IOFilterReject)
    const reject = error as IOFilterReject
    expect(reject).toMatchObject({ status: 400, code: 'pii_detected', param: 'messages' })
    expect(reject.message).toContain('email, card')
    expect(reject.message).not.toContain('jane')
  })

  it('lets clean requests and unchecked types through', () => {
    const guard = new PiiGuard({ types: ['ssn'] }, initFor('PiiGuard'))
    expect(guard.onRequest(chatContext({}))).toBeUndefined()
    const ctx = chatContext({ messages: [{ role: 'user', content: PROMPT }] })
    expect(guard.onRequest(ctx)).toBeUndefined()
  })
})
