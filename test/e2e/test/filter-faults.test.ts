import type { IOContext, Outcome } from '@iochain/core'
import { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entry, startTestGateway, type TestGateway } from '../src/harness.ts'

const LEAKS = /\bat .+:\d+:\d+|node:|\/srv\/|secret/

function chat(t: TestGateway, model: string) {
  return t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] })
}

async function failure(promise: Promise<unknown>): Promise<APIError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  expect(JSON.stringify((err as APIError).error)).not.toMatch(LEAKS)
  return err as APIError
}

describe('blocking filters that fail', () => {
  let t: TestGateway
  const outcomes: Outcome[] = []

  beforeAll(async () => {
    // Each model name picks one misbehaviour of the guard.
    const guard = {
      name: 'Guard',
      onRequest(ctx: IOContext): unknown {
        switch (ctx.model) {
          case 'throws':
            throw new Error('secret detail at /srv/filters/guard.ts')
          case 'hangs':
            return new Promise(() => {})
          case 'rejects-empty':
            return Promise.reject(undefined)
          case 'returns-garbage':
            return { kind: 'rejected', status: 403, junk: Symbol('x') }
          case 'returns-thenable-garbage':
            // biome-ignore lint/suspicious/noThenProperty: a thenable resolving to junk is the case
            return { then: (ok: (v: unknown) => void) => ok('garbage') }
          default:
            return undefined
        }
      },
    }
    t = await startTestGateway({
      instances: [
        entry({ name: 'Observer', onResponse: (ctx) => void outcomes.push({ ...ctx.outcome }) }),
        entry(guard as never, { timeoutMs: 200 }),
      ],
    })
  })
  afterAll(() => t.close())

  it('answers a throwing hook with a 500 that names the filter and hides the error', async () => {
    const err = await failure(chat(t, 'throws'))
    expect(err.status).toBe(500)
    expect(err.code).toBe('filter_error')
    expect(err.message).toContain("filter 'Guard'")
    expect(outcomes.at(-1)).toMatchObject({ kind: 'error', filter: 'Guard', code: 'filter_error' })
  })

  it('answers a hook that hangs past its timeout with a 500 filter_timeout', async () => {
    const err = await failure(chat(t, 'hangs'))
    expect(err.status).toBe(500)
    expect(err.code).toBe('filter_timeout')
    expect(outcomes.at(-1)).toMatchObject({ kind: 'error', code: 'filter_timeout' })
  })

  it('answers a hook that rejects with nothing with a 500', async () => {
    const err = await failure(chat(t, 'rejects-empty'))
    expect(err.status).toBe(500)
    expect(err.code).toBe('filter_error')
  })

  it.each(['returns-garbage', 'returns-thenable-garbage'])(
    'ignores what a hook returns (%s): the request goes on',
    async (model) => {
      const answer = await chat(t, model)
      expect(answer.choices[0]!.message.content).toBeTruthy()
      expect(outcomes.at(-1)!.kind).toBe('ok')
    },
  )
})

describe('a strict onResponse that fails', () => {
  it('turns a complete response into a 500, while a lenient one only logs', async () => {
    const failing = (name: string) => ({
      name,
      onResponse(): void {
        throw new Error('secret: audit store unreachable')
      },
    })
    const strict = await startTestGateway({
      instances: [entry(failing('StrictAudit'), { strict: true })],
    })
    const lenient = await startTestGateway({ instances: [entry(failing('LenientAudit'))] })
    try {
      const err = await failure(chat(strict, 'm'))
      expect(err.status).toBe(500)
      expect(err.code).toBe('filter_error')
      expect(err.message).toContain("filter 'StrictAudit'")
      const answer = await chat(lenient, 'm')
      expect(answer.choices[0]!.message.content).toBeTruthy()
      expect(lenient.gateway.chain.stats.hooks.failed).toBe(1)
    } finally {
      await strict.close()
      await lenient.close()
    }
  })
})

describe('background filters that fail or never finish', () => {
  it('never delays or fails a request, and cannot pile up past the queue bound', async () => {
    const started = { throws: 0, hangs: 0 }
    const t = await startTestGateway({
      chain: { backgroundQueueLimit: 4, backgroundTimeoutMs: 60_000 },
      instances: [
        entry({
          name: 'Thrower',
          blocking: false,
          onRequest() {
            started.throws++
            throw new Error('background failure')
          },
        }),
        entry({
          name: 'Hanger',
          blocking: false,
          onResponse() {
            started.hangs++
            return new Promise<void>(() => {})
          },
        }),
      ],
    })
    try {
      for (let i = 0; i < 10; i++) {
        const answer = await chat(t, 'm')
        expect(answer.choices[0]!.message.content).toBeTruthy()
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      const { background } = t.gateway.chain.stats
      // Never more than the bound in flight; the rest dropped and counted, nothing lost silently.
      expect(background.pending).toBeLessThanOrEqual(4)
      expect(background.scheduled + background.dropped).toBe(20)
      expect(background.dropped).toBeGreaterThan(0)
      expect(background.failed).toBe(started.throws)
      expect(started.hangs).toBe(background.pending)
    } finally {
      await t.gateway.close({ deadlineMs: 200 })
      await t.mock?.close()
    }
  })

  it('counts a background hook that never resolves as timed out, freeing its slot', async () => {
    const t = await startTestGateway({
      chain: { backgroundQueueLimit: 2, backgroundTimeoutMs: 100 },
      instances: [
        entry({ name: 'Hanger', blocking: false, onRequest: () => new Promise<void>(() => {}) }),
      ],
    })
    try {
      await chat(t, 'm')
      await chat(t, 'm')
      expect(await t.gateway.chain.drain(5_000)).toBe(true)
      await chat(t, 'm')
      expect(await t.gateway.chain.drain(5_000)).toBe(true)
      const { background } = t.gateway.chain.stats
      expect(background).toMatchObject({ scheduled: 3, timedOut: 3, dropped: 0, pending: 0 })
    } finally {
      await t.close()
    }
  })
})
