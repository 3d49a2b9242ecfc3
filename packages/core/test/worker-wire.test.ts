import { describe, expect, it } from 'vitest'
import { createIOContext } from '../src/context.ts'
import { ErrorCodes, IOChainError } from '../src/errors.ts'
import { IOFilterReject } from '../src/reject.ts'
import { RelayLogger, replayLogs } from '../src/worker/relay-logger.ts'
import { applyMetadataChanges, snapshotContext } from '../src/worker/snapshot.ts'
import { fromWireError, toWireError } from '../src/worker/wire-error.ts'

function context() {
  return createIOContext({
    requestId: 'req-1',
    endpoint: 'chat.completions',
    request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    headers: { authorization: 'Bearer secret', 'x-team': 'blue' },
    client: { address: '127.0.0.1', port: 1234 },
  })
}

describe('snapshotContext', () => {
  it('copies plain data and lists the metadata it cannot clone', () => {
    const ctx = context()
    ctx.metadata.user = { id: 7 }
    ctx.metadata.callback = () => {}
    const snapshot = structuredClone(snapshotContext(ctx))
    expect(snapshot).toMatchObject({
      requestId: 'req-1',
      model: 'm',
      headers: { authorization: '[redacted]', 'x-team': 'blue' },
      metadata: { user: { id: 7 } },
      omitted: ['callback'],
    })
    expect(snapshot.metadata).not.toHaveProperty('callback')
  })
})

describe('applyMetadataChanges', () => {
  it('assigns written keys and removes deleted ones', () => {
    const metadata: Record<string, unknown> = { keep: 1, drop: 2, change: 3 }
    applyMetadataChanges(metadata, {
      set: { change: 4, add: 5 },
      deleted: ['drop'],
      uncloneable: [],
    })
    expect(metadata).toEqual({ keep: 1, change: 4, add: 5 })
  })
})

describe('wire errors', () => {
  it('re-creates an IOFilterReject with status, code, type, param and headers', () => {
    const thrown = new IOFilterReject('no', {
      status: 429,
      code: 'rate_limit_exceeded',
      param: 'model',
      headers: { 'retry-after': '3' },
    })
    const back = fromWireError(structuredClone(toWireError(thrown)))
    expect(back).toBeInstanceOf(IOFilterReject)
    expect(back).toMatchObject({
      message: 'no',
      status: 429,
      code: 'rate_limit_exceeded',
      type: 'rate_limit_error',
      param: 'model',
      headers: { 'retry-after': '3' },
    })
  })

  it('keeps the code of an IOChainError and the name and stack of any error', () => {
    const own = fromWireError(
      structuredClone(toWireError(new IOChainError(ErrorCodes.IOC_ERR_SPEC_NOT_FOUND, 'gone'))),
    )
    expect(own).toBeInstanceOf(IOChainError)
    expect(own).toMatchObject({ code: ErrorCodes.IOC_ERR_SPEC_NOT_FOUND, message: 'gone' })

    const thrown = new TypeError('bad input')
    const back = fromWireError(structuredClone(toWireError(thrown)))
    expect(back).toMatchObject({ name: 'TypeError', message: 'bad input', stack: thrown.stack })
    expect(fromWireError(toWireError('just a string')).message).toBe('just a string')
  })
})

describe('RelayLogger', () => {
  it('keeps records with their bindings until taken, then replays them', () => {
    const relay = new RelayLogger()
    relay.child({ filter: 'Scanner' }).warn({ hits: 2 }, 'found PII')
    relay.info('plain message')
    const logs = structuredClone(relay.take())
    expect(relay.take()).toEqual([])

    const written: unknown[] = []
    const sink: any = {
      child: (bindings: object) => ({
        warn: (o: object, m: string) => written.push([bindings, o, m]),
      }),
      info: (m: string) => written.push([m]),
    }
    replayLogs(sink, logs)
    expect(written).toEqual([[{ filter: 'Scanner' }, { hits: 2 }, 'found PII'], ['plain message']])
  })
  it('keeps records that structured clone refuses as far as they can be cloned', () => {
    const relay = new RelayLogger()
    const log = relay.child({ filter: 'Scanner', onHit: () => {} })
    log.info({ hits: 1, hook: () => {} }, { not: 'a string' } as unknown as string)
    log.warn(Symbol('odd') as unknown as string)
    const logs = relay.take()
    expect(() => structuredClone(logs)).not.toThrow()
    expect(logs).toMatchObject([
      { bindings: { filter: 'Scanner' }, obj: { hits: 1 }, msg: '[object Object]' },
      { obj: 'Symbol(odd)' },
    ])
    expect(logs[0]?.bindings).not.toHaveProperty('onHit')
  })
})
