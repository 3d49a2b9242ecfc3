import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../src/harness.ts'

describe('Tracing through the gateway', () => {
  const exporter = new InMemorySpanExporter()
  let t: TestGateway

  beforeAll(async () => {
    t = await startTestGateway({
      filters: [
        { use: '@iochain/filters-builtin:RequestPolicy', options: { maxTokens: 100 } },
        '@iochain/filters-builtin:Tracing',
      ],
    })
  })
  afterAll(async () => {
    await t?.close()
    trace.disable()
  })

  it('does nothing while no SDK is registered', async () => {
    await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'untraced' }],
    })
    await t.gateway.chain.drain()
    expect(exporter.getFinishedSpans()).toEqual([])
  })

  it('exports a span per request and one per filter once an SDK is registered', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    })
    trace.setGlobalTracerProvider(provider)
    await t.client.chat.completions.create({
      model: 'mock-model',
      messages: [{ role: 'user', content: 'traced' }],
    })
    await t.gateway.chain.drain()
    const spans = exporter.getFinishedSpans()
    const root = spans.find((s) => s.name === 'chat mock-model')
    expect(root?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'mock-model',
      'gen_ai.usage.input_tokens': 1,
      'iochain.outcome': 'ok',
      'http.response.status_code': 200,
    })
    const child = spans.find((s) => s.name === 'filter RequestPolicy')
    expect(child?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId)
    expect(child?.spanContext().traceId).toBe(root?.spanContext().traceId)
  })
})
