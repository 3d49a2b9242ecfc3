import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ErrorCodes } from '@iochain/core'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../src/gateway.ts'

const fixture = path.join(import.meta.dirname, 'fixtures/filters.ts')
const ask = (gw: TestGateway, maxTokens: number) =>
  new OpenAI({ baseURL: gw.url, apiKey: 'test-key', maxRetries: 0 }).chat.completions.create({
    model: 'mock-model',
    max_tokens: maxTokens,
    messages: [{ role: 'user', content: 'hi' }],
  })

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  gw = undefined
})

describe('startGateway with a config', () => {
  it('takes a config object, options and all', async () => {
    gw = await startGateway({
      config: { filters: [{ use: './fixtures/filters.ts:MaxTokens', options: { max: 20 } }] },
      baseDir: import.meta.dirname,
    })
    expect((await ask(gw, 10)).choices[0]?.message.content).toBeTruthy()
    await expect(ask(gw, 30)).rejects.toMatchObject({ status: 400, code: 'max_tokens_too_large' })
  })

  it('reads a config file, resolving specs against its folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'iochain-testkit-'))
    try {
      const config = { filters: [{ use: `${fixture}:MaxTokens`, options: { max: 5 } }] }
      await writeFile(path.join(dir, 'iochain.config.json'), JSON.stringify(config))
      gw = await startGateway({ config: 'iochain.config.json', baseDir: dir })
      await expect(ask(gw, 6)).rejects.toMatchObject({ status: 400 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a config its filter options do not fit, naming the path', async () => {
    const started = startGateway({
      config: { filters: [{ use: `${fixture}:MaxTokens`, options: { max: 'ten' } }] },
    })
    await expect(started).rejects.toMatchObject({ code: ErrorCodes.IOC_ERR_CONFIG_INVALID })
    await expect(started).rejects.toThrow(/filters\[0\]\.options\.max/)
  })

  it('refuses filters and a config together', async () => {
    await expect(startGateway({ filters: [], config: { filters: [] } })).rejects.toMatchObject({
      code: ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
    })
  })
})
