import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { createLogger, type IOContext } from '@iochain/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chatAnswer,
  type FakeUpstream,
  sendJson,
  startFakeUpstream,
  startRawUpstream,
} from '../src/fake-upstream.ts'
import { entry, startTestGateway, type TestGateway, writeTempFiles } from '../src/harness.ts'
import { rawExchange } from '../src/raw-client.ts'

const UPSTREAM_KEY = 'sk-upstream-5f1c9e0a7d'
const CLIENT_KEY = 'sk-client-0b8e3a41c2'

const CLIENT_CREDENTIALS = {
  authorization: `Bearer ${CLIENT_KEY}`,
  'x-api-key': CLIENT_KEY,
  'api-key': CLIENT_KEY,
  cookie: `session=${CLIENT_KEY}`,
}

describe('credentials, with an upstream key configured', () => {
  let t: TestGateway
  let upstream: FakeUpstream
  let logFile: string
  const contexts: { plain: string[]; granted: Array<Record<string, string>> } = {
    plain: [],
    granted: [],
  }
  let log: ReturnType<typeof createLogger>

  beforeAll(async () => {
    upstream = await startFakeUpstream((seen, res) => {
      if (seen.body.includes('"fail-filter"')) return res.destroy()
      sendJson(res, 200, chatAnswer())
    })
    logFile = path.join(writeTempFiles({}), 'gateway.log')
    log = createLogger({ level: 'trace', destination: logFile })
    const snapshot = (ctx: IOContext) => JSON.stringify({ ...ctx, request: ctx.request })
    t = await startTestGateway({
      upstreamUrl: upstream.url,
      upstream: { apiKey: UPSTREAM_KEY },
      logger: log,
      instances: [
        entry({
          name: 'Plain',
          onRequest: (ctx) => void contexts.plain.push(snapshot(ctx)),
          onResponse: (ctx) => void contexts.plain.push(snapshot(ctx)),
        }),
        entry(
          {
            name: 'Granted',
            onRequest(ctx) {
              contexts.granted.push({ ...ctx.headers })
              // What a careless filter author might do: the logger must still redact.
              log.info({ headers: ctx.headers }, 'granted filter saw headers')
            },
          },
          { credentials: true },
        ),
      ],
    })
  })
  afterAll(async () => {
    await t.close()
    await upstream.close()
  })

  it('adds the upstream key on the way out and forwards no client credential', async () => {
    const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CLIENT_CREDENTIALS },
      body: JSON.stringify({ model: 'm', messages: [] }),
    })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(text).not.toContain(UPSTREAM_KEY)
    const seen = upstream.requests.at(-1)!
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    for (const name of ['x-api-key', 'api-key', 'cookie'])
      expect(seen.headers[name]).toBeUndefined()
  })

  it('does the same on pass-through routes, with and without a body', async () => {
    for (const [method, route] of [
      ['GET', '/v1/models'],
      ['POST', '/v1/other'],
    ] as const) {
      const res = await fetch(`${t.gateway.url}${route}`, {
        method,
        headers: CLIENT_CREDENTIALS,
        body: method === 'POST' ? '{}' : undefined,
      })
      expect(await res.text()).not.toContain(UPSTREAM_KEY)
      const seen = upstream.requests.at(-1)!
      expect(seen.url).toBe(route)
      expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
      expect(JSON.stringify(seen.headers)).not.toContain(CLIENT_KEY)
    }
  })

  it('redacts credentials in the context unless the entry is granted them', async () => {
    await fetch(`${t.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...CLIENT_CREDENTIALS,
        'proxy-authorization': `Basic ${CLIENT_KEY}`,
      },
      body: JSON.stringify({ model: 'm', messages: [] }),
    })
    const plain = JSON.parse(contexts.plain.at(-1)!)
    for (const name of ['authorization', 'x-api-key', 'api-key', 'cookie', 'proxy-authorization']) {
      expect(plain.headers[name]).toBe('[redacted]')
    }
    expect(contexts.granted.at(-1)!.authorization).toBe(`Bearer ${CLIENT_KEY}`)
    // The gateway's own key is never part of any context, granted or not.
    for (const text of [...contexts.plain, ...contexts.granted.map((h) => JSON.stringify(h))]) {
      expect(text).not.toContain(UPSTREAM_KEY)
    }
  })

  it('keeps both keys out of error responses and the log', async () => {
    const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CLIENT_CREDENTIALS },
      body: JSON.stringify({ model: 'fail-filter', messages: [] }),
    })
    expect(res.status).toBe(502)
    expect(await res.text()).not.toContain(UPSTREAM_KEY)
    // pino writes asynchronously: wait until the failure's line is in the file.
    const pino = log as unknown as { flush(done: () => void): void }
    let written = ''
    while (!written.includes('upstream request failed')) {
      await new Promise<void>((resolve) => pino.flush(() => setTimeout(resolve, 10)))
      written = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
    }
    expect(written).toContain('upstream request failed')
    expect(written).toContain('granted filter saw headers')
    expect(written).not.toContain(UPSTREAM_KEY)
    expect(written).not.toContain(CLIENT_KEY)
  })
})

describe('credentials, without an upstream key', () => {
  it("forwards the client's own key, so an upstream that checks keys still works", async () => {
    const upstream = await startFakeUpstream((_, res) => sendJson(res, 200, chatAnswer()))
    const t = await startTestGateway({
      upstreamUrl: upstream.url,
      instances: [entry({ name: 'Noop', onRequest() {} })],
    })
    try {
      await t.client.chat.completions.create({ model: 'm', messages: [] })
      expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer test-key')
    } finally {
      await t.close()
      await upstream.close()
    }
  })
})

describe('hop-by-hop headers', () => {
  it('forwards none in either direction, including those the connection header names', async () => {
    const body = JSON.stringify(chatAnswer('hop'))
    let upstreamSaw = ''
    const raw = await startRawUpstream((socket) => {
      socket.on('data', (chunk) => {
        upstreamSaw += chunk.toString('latin1')
        if (!upstreamSaw.includes('\r\n\r\n')) return
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n' +
            'connection: keep-alive, x-upstream-hop\r\nx-upstream-hop: 1\r\n' +
            'keep-alive: timeout=5\r\nproxy-authenticate: Basic\r\nx-kept: yes\r\n' +
            `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        )
      })
    })
    const t = await startTestGateway({
      upstreamUrl: raw.url,
      instances: [entry({ name: 'Noop', onRequest() {} })],
    })
    try {
      const request = JSON.stringify({ model: 'm', messages: [] })
      const answer = await rawExchange(t.gateway.url, (socket) => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
            'connection: keep-alive, x-client-hop\r\nx-client-hop: 1\r\nte: trailers\r\n' +
            'keep-alive: timeout=99\r\nproxy-authorization: Basic abc\r\nx-kept: yes\r\n' +
            `content-length: ${request.length}\r\n\r\n${request}`,
        )
      })
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body).choices[0].message.content).toBe('hop')
      expect(answer.headers['x-kept']).toBe('yes')
      expect(answer.headers['x-upstream-hop']).toBeUndefined()
      expect(answer.headers['proxy-authenticate']).toBeUndefined()
      expect(answer.headers['keep-alive']).not.toBe('timeout=5')
      const head = upstreamSaw.slice(0, upstreamSaw.indexOf('\r\n\r\n')).toLowerCase()
      expect(head).toContain('x-kept: yes')
      for (const name of ['x-client-hop', 'te:', 'proxy-authorization', 'timeout=99']) {
        expect(head).not.toContain(name)
      }
    } finally {
      await t.close()
      await raw.close()
    }
  })
})

describe('filter specs', () => {
  it('are never taken from a request, whatever its body or headers name', async () => {
    const dir = writeTempFiles({
      'evil.ts': `import { writeFileSync } from 'node:fs'
writeFileSync(${JSON.stringify('MARKER')}.replace('MARKER', import.meta.dirname + '/loaded'), 'x')
export class Evil { onRequest() {} }`,
    })
    const spec = `${dir}/evil.ts:Evil`
    const t = await startTestGateway({ instances: [entry({ name: 'Noop', onRequest() {} })] })
    try {
      const res = await fetch(`${t.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-iochain-filters': spec },
        body: JSON.stringify({ model: 'm', messages: [], filters: [spec], use: spec }),
      })
      expect(res.status).toBe(200)
      expect(existsSync(path.join(dir, 'loaded'))).toBe(false)
    } finally {
      await t.close()
    }
  })
})
