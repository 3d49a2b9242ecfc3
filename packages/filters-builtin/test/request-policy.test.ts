import type { IOFilterReject } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { RequestPolicy } from '../src/request-policy.ts'
import { chatContext, initFor } from './_context.ts'

const policy = new RequestPolicy(
  {
    allowModels: ['mock-*', 'gpt-4o'],
    denyModels: ['mock-secret'],
    maxTokens: 100,
    maxMessages: 2,
    maxPromptChars: 50,
    forbiddenParams: ['logit_bias'],
  },
  initFor('RequestPolicy'),
)

function rejection(body: Record<string, unknown>): IOFilterReject | undefined {
  try {
    policy.onRequest(chatContext(body))
    return undefined
  } catch (err) {
    return err as IOFilterReject
  }
}

describe('RequestPolicy', () => {
  it('lets a request within the policy through', () => {
    expect(rejection({ model: 'mock-model', max_tokens: 100 })).toBeUndefined()
    expect(rejection({ model: 'gpt-4o' })).toBeUndefined()
  })

  it.each([
    [{ model: 'llama-3' }, 'model', 'model_not_allowed'],
    [{ model: 'mock-secret' }, 'model', 'model_not_allowed'],
    [{ max_tokens: 101 }, 'max_tokens', 'max_tokens_exceeded'],
    [{ max_completion_tokens: 500 }, 'max_completion_tokens', 'max_tokens_exceeded'],
    [{ max_tokens: '9999' }, 'max_tokens', 'invalid_type'],
    [{ max_completion_tokens: [500] }, 'max_completion_tokens', 'invalid_type'],
    [
      { messages: [1, 2, 3].map(() => ({ role: 'user', content: 'x' })) },
      'messages',
      'too_many_messages',
    ],
    [{ messages: [{ role: 'user', content: 'x'.repeat(51) }] }, 'messages', 'prompt_too_large'],
    [{ logit_bias: { '1': 2 } }, 'logit_bias', 'parameter_not_allowed'],
  ])('refuses %j with a 400 naming %s', (body, param, code) => {
    expect(rejection(body)).toMatchObject({ status: 400, param, code })
  })

  it('can require max_tokens', () => {
    const strict = new RequestPolicy({ requireMaxTokens: true }, initFor('RequestPolicy'))
    expect(() => strict.onRequest(chatContext({}))).toThrow(/must set max_tokens/)
    expect(strict.onRequest(chatContext({ max_completion_tokens: 5 }))).toBeUndefined()
  })
})
