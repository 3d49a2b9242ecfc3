import { type ChildProcess, fork } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A command sent to a bench child process, answered by a `Reply` with the same id. */
export interface Command {
  id: number
  name: string
  args: unknown
}

interface Reply {
  id: number
  result?: unknown
  error?: string
}

/** What a child says once it is ready: its id is 0. */
export interface Ready<T> {
  id: 0
  result: T
}

export interface ChildOptions {
  execArgv?: string[]
  env?: Record<string, string>
  /** Discard what the child prints. */
  quiet?: boolean
}

/** A running child process of the bench, driven by commands over its IPC channel. */
export class BenchChild<R = unknown> {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  #nextId = 1
  #exited = false
  readonly ready: Promise<R>

  constructor(entry: string, init: unknown, options: ChildOptions = {}) {
    this.#child = fork(entryPath(entry), [JSON.stringify(init)], {
      execArgv: options.execArgv ?? [],
      env: options.env ? { ...process.env, ...options.env } : process.env,
      // A quiet child's filters may log per request; its start-up failure comes over IPC.
      stdio: ['ignore', 'ignore', options.quiet ? 'ignore' : 'inherit', 'ipc'],
      // Structured clone keeps Infinity and NaN, which JSON would turn into null.
      serialization: 'advanced',
    })
    this.ready = new Promise<R>((resolve, reject) => {
      this.#pending.set(0, { resolve: resolve as (v: unknown) => void, reject })
    })
    this.#child.on('message', (message: Reply) => this.#settle(message))
    this.#child.once('exit', (code, signal) => {
      this.#exited = true
      const why = new Error(`bench process \`${entry}\` exited (${signal ?? `code ${code}`})`)
      for (const waiter of this.#pending.values()) waiter.reject(why)
      this.#pending.clear()
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  call<T>(name: string, args: unknown = {}): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`bench process has exited; cannot ${name}`))
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#child.send({ id, name, args } satisfies Command)
    })
  }

  /** Asks the child to stop, and kills it if it has not gone within a second. */
  async stop(): Promise<void> {
    if (this.#exited) return
    const gone = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.call('stop').catch(() => {})
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1_000)
    await gone
    clearTimeout(timer)
  }

  #settle(message: Reply): void {
    const waiter = this.#pending.get(message.id)
    if (!waiter) return
    this.#pending.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(message.error))
    else waiter.resolve(message.result)
  }
}

type Handler = (args: any) => unknown

/** The child's side: answers commands with `handlers` after announcing `readyValue`. */
export function serveCommands(readyValue: unknown, handlers: Record<string, Handler>): void {
  const send = (reply: Reply) => process.send?.(reply)
  process.on('message', async (command: Command) => {
    if (command.name === 'stop') {
      await handlers.stop?.(undefined)
      process.exit(0)
    }
    const handler = handlers[command.name]
    try {
      if (!handler) throw new Error(`unknown bench command \`${command.name}\``)
      send({ id: command.id, result: await handler(command.args) })
    } catch (err) {
      send({ id: command.id, error: err instanceof Error ? err.message : String(err) })
    }
  })
  // A parent that dies must not leave its children serving.
  process.on('disconnect', () => process.exit(0))
  send({ id: 0, result: readyValue })
}

/** Tells the parent why the child could not start, then exits. */
export function failStartup(err: unknown): void {
  const error = err instanceof Error ? err.message : String(err)
  if (!process.send) process.exit(1)
  process.send({ id: 0, error } satisfies Reply, () => process.exit(1))
}

/** The init value the parent passed on the command line. */
export function readInit<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T
}

// Entries sit beside this module: `.js` once built, `.ts` when run from source.
function entryPath(entry: string): string {
  const ext = extname(fileURLToPath(import.meta.url))
  return fileURLToPath(new URL(`./${entry}${ext}`, import.meta.url))
}
