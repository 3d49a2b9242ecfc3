import { REDACTED } from '@iochain/core'
import { describe, expect, it } from 'vitest'
import { createContext } from '../src/context.ts'

describe('createContext', () => {
  it('builds a finished chat completion by default', () => {
    const ctx = createContext()
    expect(ctx.endpoint).toBe('chat.completions')
    expect(ctx.model).toBe('mock-model')
    expect(ctx.stream).toBe(false)
    expect(ctx.outcome).toEqual({ kind: 'ok', status: 200 })
    expect(ctx.response?.status).toBe(200)
    expect(ctx.response?.body).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant' }, finish_reason: 'stop' }],
    })
    expect(ctx.usage?.total_tokens).toBe(
      (ctx.usage?.prompt_tokens ?? 0) + (ctx.usage?.completion_tokens ?? 0),
    )
    expect(ctx.timings.finishedAt).toBeGreaterThanOrEqual(ctx.timings.receivedAt)
  })

  it('freezes the request and redacts credentials as the gateway does', () => {
    const ctx = createContext({ headers: { authorization: 'Bearer sk-secret', 'x-team': 'a' } })
    expect(Object.isFrozen(ctx.request)).toBe(true)
    expect(ctx.headers.authorization).toBe(REDACTED)
    expect(ctx.headers['x-team']).toBe('a')
  })

  it('puts the text where each endpoint carries it', () => {
    expect(createContext({ text: 'héllo' }).request.messages).toEqual([
      { role: 'user', content: 'héllo' },
    ])
    expect(createContext({ endpoint: 'completions', text: 'héllo' }).request.prompt).toBe('héllo')
    const embedding = createContext({ endpoint: 'embeddings', text: 'héllo', stream: true })
    expect(embedding.request.input).toBe('héllo')
    expect(embedding.stream).toBe(false)
    expect(embedding.response?.body).toMatchObject({ object: 'list' })
    const responses = createContext({ endpoint: 'responses', text: 'héllo' })
    expect(responses.request.input).toBe('héllo')
    expect(responses.response?.body).toMatchObject({ object: 'response', status: 'completed' })
  })

  it('shapes each outcome as the gateway leaves it', () => {
    const rejected = createContext({ outcome: 'rejected' })
    expect(rejected.outcome).toMatchObject({ kind: 'rejected', status: 403 })
    expect(rejected.response).toEqual({ status: 403, headers: {}, body: null })
    expect(rejected.usage).toBeNull()

    const failed = createContext({ outcome: 'error' })
    expect(failed.outcome).toMatchObject({ kind: 'error', code: 'upstream_unreachable' })
    expect(failed.usage).toBeNull()

    const cut = createContext({ outcome: 'cancelled', stream: true })
    expect(cut.outcome.kind).toBe('cancelled')
    expect(cut.response?.body).toMatchObject({ choices: [{ finish_reason: null }] })
    expect(cut.usage).toBeNull()

    const pending = createContext({ outcome: 'pending' })
    expect(pending.response).toBeNull()
    expect(pending.timings.finishedAt).toBeUndefined()
  })

  it('takes request fields, metadata and an explicit response', () => {
    const ctx = createContext({
      request: { model: 'llama-3', temperature: 0.2 },
      metadata: { tenant: 'acme' },
      usage: null,
    })
    expect(ctx.model).toBe('llama-3')
    expect(ctx.request.temperature).toBe(0.2)
    expect(ctx.metadata).toEqual({ tenant: 'acme' })
    expect(ctx.usage).toBeNull()
  })
})
