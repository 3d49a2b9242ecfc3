import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { chatAnswer, type FakeUpstream, sendJson, startFakeUpstream } from '../src/fake-upstream.ts'
import { writeTempFiles } from '../src/harness.ts'

const BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@iochain/cli/package.json')),
  'dist/bin.js',
)

// Written as an operator would: every hook and close() appends a line to a journal file.
const JOURNAL_FILTERS = `
import { appendFileSync } from 'node:fs'
import type { IOContext } from '@iochain/core'
const note = (line: object) => appendFileSync(process.env.JOURNAL!, JSON.stringify(line) + '\\n')
export class Journal {
  onResponse(ctx: IOContext) {
    note({ hook: 'onResponse', model: ctx.model, outcome: ctx.outcome.kind })
  }
  close() {
    note({ hook: 'close', filter: 'Journal' })
  }
}
export class WorkerAudit {
  static worker = true
  blocking = false
  async onResponse(ctx: IOContext) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    note({ hook: 'worker', model: ctx.model })
  }
}
export class SlowAudit {
  blocking = false
  async onResponse(ctx: IOContext) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    note({ hook: 'background', model: ctx.model })
  }
}
`

interface Running {
  child: ChildProcess
  url: string
  journal: string
  /** The `msg` of every log line so far. */
  logged: string[]
  exited: Promise<number | null>
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

async function startCli(upstreamUrl: string, extra: string[] = []): Promise<Running> {
  const dir = writeTempFiles({ 'journal.ts': JOURNAL_FILTERS })
  const journal = path.join(dir, 'journal.jsonl')
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--port',
      '0',
      '--upstream',
      upstreamUrl,
      '--filters',
      './journal.ts:Journal,./journal.ts:SlowAudit,./journal.ts:WorkerAudit',
      ...extra,
    ],
    { cwd: dir, env: { ...process.env, JOURNAL: journal }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const logged: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const { url, msg } = JSON.parse(line) as { url?: string; msg: string }
      logged.push(msg)
      if (url) resolve(url)
    })
    child.once('exit', (code) => reject(new Error(`iochain exited with ${code} before listening`)))
  })
  return { child, url, journal, logged, exited }
}

function readJournal(file: string): Array<Record<string, string>> {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

function post(url: string, model: string, stream = false): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'x' }] }),
  })
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('iochain run on SIGTERM', () => {
  let upstream: FakeUpstream | undefined
  afterEach(() => upstream?.close())

  it('lets requests and streams finish, runs every hook, closes filters, exits 0', async () => {
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    upstream = await startFakeUpstream(async (seen, res) => {
      const { model, stream } = JSON.parse(seen.body.toString())
      await released
      if (!stream) return sendJson(res, 200, chatAnswer('late'))
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const word of ['a', 'b', 'c']) {
        const chunk = {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model,
          choices: [{ index: 0, delta: { content: word }, finish_reason: null }],
        }
        res.write(`data: ${JSON.stringify(chunk)}\n\n`)
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
      res.end('data: [DONE]\n\n')
    })
    const cli = await startCli(upstream.url, ['--shutdown-timeout', '20000'])

    const plain = post(cli.url, 'held-plain')
    const streamed = post(cli.url, 'held-stream', true)
    await until(() => upstream!.requests.length === 2)
    cli.child.kill('SIGTERM')
    await until(() => cli.logged.includes('shutting down'))
    // Stopped accepting: a new connection is refused while the two above are still served.
    await expect(
      fetch(`${cli.url}/v1/models`, { headers: { connection: 'close' } }),
    ).rejects.toThrow()
    release()

    const plainRes = await plain
    expect(plainRes.status).toBe(200)
    expect(((await plainRes.json()) as any).choices[0].message.content).toBe('late')
    const streamText = await (await streamed).text()
    expect(streamText).toContain('"content":"c"')
    expect(streamText.trimEnd().endsWith('data: [DONE]')).toBe(true)

    expect(await cli.exited).toBe(0)
    const journal = readJournal(cli.journal)
    const hooks = (hook: string) => journal.filter((line) => line.hook === hook)
    expect(
      hooks('onResponse')
        .map((l) => `${l.model}:${l.outcome}`)
        .sort(),
    ).toEqual(['held-plain:ok', 'held-stream:ok'])
    // Background hooks drained before close(), close() called once, last.
    expect(
      hooks('background')
        .map((l) => l.model)
        .sort(),
    ).toEqual(['held-plain', 'held-stream'])
    expect(hooks('close')).toHaveLength(1)
    expect(journal.at(-1)!.hook).toBe('close')
  })

  it('exits at once on a second signal, without waiting for the deadline', async () => {
    upstream = await startFakeUpstream(() => new Promise(() => {}))
    const cli = await startCli(upstream.url, ['--shutdown-timeout', '600000'])
    const held = post(cli.url, 'never').catch((err: unknown) => err)
    await until(() => upstream!.requests.length === 1)
    cli.child.kill('SIGTERM')
    await until(() => cli.logged.includes('shutting down'))
    cli.child.kill('SIGTERM')
    expect(await cli.exited).not.toBe(0)
    expect(await held).toBeInstanceOf(Error)
  })
})
