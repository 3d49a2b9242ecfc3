import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { MetricsFilter } from '@iochain/filters-builtin'
import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway, writeTempFiles } from '../src/harness.ts'

const BUILTIN = '@iochain/filters-builtin'

describe('AuditLog, Metrics and PiiScanner through the gateway', () => {
  let t: TestGateway
  let dir: string
  let metricsUrl: string

  beforeAll(async () => {
    dir = writeTempFiles({})
    t = await startTestGateway({
      filters: [
        { use: `${BUILTIN}:RequestPolicy`, options: { allowModels: ['mock-model'] } },
        `${BUILTIN}:PiiScanner`,
        {
          use: `${BUILTIN}:AuditLog`,
          options: { file: path.join(dir, 'audit.jsonl'), size: '10M' },
        },
        { use: `${BUILTIN}:Metrics`, options: { port: 0 } },
      ],
    })
    const metrics = t.gateway.chain.filters.find((f) => f.name === 'Metrics')!
    metricsUrl = `${(metrics.filter as MetricsFilter).url}/metrics`

    await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'Mail me at jane@example.com' }],
    })
    const stream = await t.client.chat.completions.create({
      model: 'mock-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream please' }],
    })
    for await (const _ of stream) void _
    await t.client.chat.completions
      .create({ model: 'other-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => {
        if (!(err instanceof APIError) || err.status !== 400) throw err
      })
    // Background hooks have all run once the chain is idle.
    await t.gateway.chain.drain()
  })
  afterAll(() => t?.close())

  it('serves metrics on requests, tokens, rejections, filters and the chain', async () => {
    const res = await fetch(metricsUrl)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    // The value of one series, by name and labels as prom-client writes them.
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      return line === undefined ? undefined : Number(line.slice(series.length + 1))
    }
    const chat = 'endpoint="chat.completions",model="mock-model"'
    expect(value(`iochain_requests_total{${chat},outcome="ok",status="200"}`)).toBe(2)
    expect(value('iochain_rejections_total{filter="RequestPolicy",code="model_not_allowed"}')).toBe(
      1,
    )
    expect(value(`iochain_tokens_total{${chat},kind="prompt"}`)).toBeGreaterThan(0)
    expect(value(`iochain_time_to_first_token_seconds_count{${chat}}`)).toBe(1)
    expect(value('iochain_filter_duration_seconds_count{filter="RequestPolicy"}')).toBe(3)
    expect(value('iochain_chain_background_dropped_total')).toBe(0)
    expect(value('iochain_chain_background_scheduled_total')).toBeGreaterThan(0)
    expect(value('iochain_pii_detections_total{type="email",part="request"}')).toBe(1)
    expect(text).not.toContain('jane')
  })

  it('answers 404 beside the metrics path', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404)
  })

  it('writes one audit record per request, flushed when the gateway closes', async () => {
    await t.close()
    const records = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(records.map((r) => [r.stream, r.outcome, r.status, r.rejectedBy])).toEqual([
      [false, 'ok', 200, null],
      [true, 'ok', 200, null],
      [false, 'rejected', 400, 'RequestPolicy'],
    ])
    expect(records[1]).toMatchObject({ usage: { total_tokens: expect.any(Number) } })
    expect(records[1].ttftMs).toEqual(expect.any(Number))
    expect(JSON.stringify(records)).not.toContain('jane')
  })
})
