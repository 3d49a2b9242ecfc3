import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockModel, startMockModel } from '../src/mock/mock-model.ts'

describe('startMockModel replyTokens', () => {
  let mock: MockModel
  beforeAll(async () => {
    mock = await startMockModel({ replyTokens: 64 })
  })
  afterAll(() => mock.close())

  const ask = (body: Record<string, unknown>) =>
    fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mock-model',
        messages: [{ role: 'user', content: 'Hi' }],
        ...body,
      }),
    })

  it('streams exactly that many token chunks', async () => {
    const text = await (await ask({ stream: true })).text()
    const events = text.split('\n\n').filter((e) => e.startsWith('data: {'))
    const contents = events
      .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content)
      .filter((c) => typeof c === 'string' && c !== '')
    expect(contents).toHaveLength(64)
    expect(contents.slice(0, 2)).toEqual(['This', ' is'])
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('repeats the reply with a space where it wraps, and max_tokens still caps it', async () => {
    const body = (await (await ask({ max_tokens: 16 })).json()) as {
      choices: Array<{ message: { content: string }; finish_reason: string }>
    }
    const content = body.choices[0]!.message.content
    expect(content.split(' ')).toHaveLength(16)
    expect(content).toMatch(/^This is the IOChain mock model\. You said: Hi This is/)
    expect(body.choices[0]!.finish_reason).toBe('length')
  })

  it('refuses a length that is not a non-negative integer', async () => {
    await expect(startMockModel({ replyTokens: 1.5 })).rejects.toThrow(
      'options.replyTokens must be a non-negative integer, got 1.5',
    )
  })
})
