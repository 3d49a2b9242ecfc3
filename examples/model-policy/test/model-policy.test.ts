import {
  createContext,
  describeFilterConformance,
  expectPassed,
  expectRejected,
  runFilter,
  startGateway,
  type TestGateway,
} from '@iochain/testkit/vitest'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelPolicy } from '../src/index.ts'

describe('ModelPolicy', () => {
  const policy = new ModelPolicy({ allow: ['llama-*', 'mock-model'], maxTokens: 256 })

  it('lets allowed models through', async () => {
    const result = await runFilter(policy, createContext({ model: 'llama-3.1-8b' }))
    expectPassed(result)
    expect(result.metadata.modelPolicy).toBe('allowed')
  })

  it('refuses other models with 403', async () => {
    const result = await runFilter(policy, createContext({ model: 'gpt-4o' }))
    expectRejected(result, { status: 403, code: 'model_not_allowed' })
  })

  it('caps max_tokens', async () => {
    const ctx = createContext({ request: { max_tokens: 1000 } })
    expectRejected(await runFilter(policy, ctx), { status: 400, code: 'max_tokens_too_large' })
  })
})

describe('ModelPolicy in a real gateway', () => {
  let gw: TestGateway
  let client: OpenAI
  beforeAll(async () => {
    gw = await startGateway({
      filters: [{ use: './src/index.ts:ModelPolicy', options: { allow: ['mock-model'] } }],
      baseDir: `${import.meta.dirname}/..`,
    })
    client = new OpenAI({ baseURL: gw.url, apiKey: 'test-key', maxRetries: 0 })
  })
  afterAll(() => gw.close())

  it('answers the openai client, streaming', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-model',
      stream: true,
      messages: [{ role: 'user', content: 'Hello' }],
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text.length).toBeGreaterThan(0)
  })

  it('refuses before the upstream is called', async () => {
    const call = client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    await expect(call).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' })
    expect(gw.upstream?.requests.map((r) => r.json)).not.toContainEqual(
      expect.objectContaining({ model: 'gpt-4o' }),
    )
  })
})

describeFilterConformance('./src/index.ts:ModelPolicy', {
  options: { allow: ['mock-model', 'mock-embedding'], maxTokens: 4096 },
  invalidOptions: [{ allow: 'mock-model' }, { maxTokens: 0 }, { deny: [] }],
})
