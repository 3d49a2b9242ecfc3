import { AsyncLocalStorage } from 'node:async_hooks'
import { BroadcastChannel, threadId } from 'node:worker_threads'
import { Tinypool } from 'tinypool'
import type { HookName } from '../chain.ts'
import type { IOContext } from '../context.ts'
import type { IOFilter } from '../filter.ts'
import { type LoadedFilter, loadFilter } from '../loader/load-filter.ts'
import {
  type CloseReply,
  type CloseRequest,
  type DescribeTask,
  type HookTask,
  type MetadataChanges,
  ORIGIN_KEY,
  type PoolWorkerData,
  type TaskOrigin,
  type WorkerFilterSource,
  type WorkerResult,
  type WorkerTask,
} from './messages.ts'
import { RelayLogger } from './relay-logger.ts'
import { type ContextSnapshot, cloneableEntries } from './snapshot.ts'
import { toWireError } from './wire-error.ts'

// Runs inside each pool thread: one filter instance per source key, created on first use.

const HOOKS: readonly HookName[] = ['onRequest', 'onResponse']
const logger = new RelayLogger()
const instances = new Map<string, Promise<LoadedFilter>>()

// `process.exit()` in a worker ends the thread without an 'error' event, which would leave the
// pool waiting on the task forever. A filter's call becomes an uncaught error instead, which the
// pool treats as a crash: the task fails and the thread is replaced. No result is sent after it.
// Node's own exit after an uncaught error (announced by the 'exit' event) goes through.
let exiting = false
let dying = false
const exit = process.exit.bind(process)
process.on('exit', () => {
  dying = true
})
process.exit = ((code?: number | string | null) => {
  if (dying) return exit(code)
  exiting = true
  const err = new Error(`A filter called process.exit(${code ?? ''}) in a worker thread.`)
  process.nextTick(() => {
    throw err
  })
  throw err
}) as typeof process.exit

// A thread that dies between tasks (a timer or promise a hook left behind) has no task to blame,
// so the error carries the filter whose async work threw, or else the one that ran last.
const origin = new AsyncLocalStorage<TaskOrigin>()
let lastOrigin: TaskOrigin | undefined
process.on('uncaughtExceptionMonitor', (err) => {
  const blamed = origin.getStore() ?? lastOrigin
  if (blamed && typeof err === 'object' && err !== null) {
    Object.assign(err, { [ORIGIN_KEY]: blamed })
  }
})

function within<T>(where: TaskOrigin, run: () => T): T {
  lastOrigin = where
  return origin.run(where, run)
}

// Shutdown: the pool asks every thread at once to close the filters it holds, then ends them.
const { channel: channelName } = Tinypool.workerData as PoolWorkerData
const channel = new BroadcastChannel(channelName)
channel.onmessage = (event) => {
  if ((event.data as CloseRequest | undefined)?.kind !== 'close') return
  void closeInstances().then(() => {
    const reply: CloseReply = { kind: 'closed', threadId, logs: logger.take() }
    channel.postMessage(reply)
  })
}

// Known gap: a thread ended by its idle timeout or replaced after a crash or timeout does not
// get here, so its filters' `close()` does not run.
async function closeInstances(): Promise<void> {
  for (const loading of instances.values()) {
    try {
      const { filter, name } = await loading
      if (typeof filter.close !== 'function') continue
      try {
        await within({ filter: name, hook: 'close' }, () => filter.close?.())
      } catch (err) {
        logger.error({ err, filter: name }, 'filter close failed in a worker thread')
      }
    } catch {
      // A filter that never loaded has nothing to close.
    }
  }
  instances.clear()
}

/** The task handler tinypool calls; resolves for every outcome of the filter itself. */
export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  let result: WorkerResult
  try {
    result = task.kind === 'describe' ? await describe(task) : await runHook(task)
  } catch (err) {
    result = { ok: false, error: toWireError(err), logs: logger.take() }
  }
  return exiting ? new Promise<never>(() => {}) : result
}

async function describe(task: DescribeTask): Promise<WorkerResult> {
  const { filter, name } = await instanceFor(task.source)
  const hooks = HOOKS.filter((hook) => typeof filter[hook] === 'function')
  const blocking = typeof filter.blocking === 'boolean' ? filter.blocking : undefined
  return { ok: true, kind: 'describe', description: { name, blocking, hooks }, logs: logger.take() }
}

async function runHook(task: HookTask): Promise<WorkerResult> {
  const { filter, name } = await instanceFor(task.source)
  const { ctx, changes } = contextFromSnapshot(task.ctx)
  const where = { filter: name, hook: task.hook, requestId: ctx.requestId }
  try {
    await within(where, () => callFilterHook(filter, task.hook, ctx))
  } catch (err) {
    return { ok: false, error: toWireError(err), metadata: settle(changes), logs: logger.take() }
  }
  return { ok: true, kind: 'hook', metadata: settle(changes), logs: logger.take() }
}

function instanceFor(source: WorkerFilterSource): Promise<LoadedFilter> {
  let loaded = instances.get(source.key)
  if (!loaded) {
    const where = { filter: source.name ?? source.spec, hook: 'load' }
    loaded = within(where, () =>
      loadFilter(source.spec, {
        options: source.options,
        baseDir: source.baseDir,
        fallbackDirs: source.fallbackDirs,
        name: source.name,
        logger,
      }),
    )
    // A failed load is not cached: the next task tries again.
    loaded.catch(() => instances.delete(source.key))
    instances.set(source.key, loaded)
  }
  return loaded
}

async function callFilterHook(filter: IOFilter, hook: HookName, ctx: IOContext): Promise<void> {
  const method = filter[hook]
  if (typeof method !== 'function') return
  try {
    await method.call(filter, ctx)
  } catch (err) {
    if (err === undefined || err === null) {
      throw Object.assign(new Error(`${hook} threw or rejected with ${String(err)}.`), {
        name: 'IOChainError',
        code: 'IOC_ERR_HOOK_EMPTY_REJECTION',
      })
    }
    throw err
  }
}

interface TrackedChanges {
  metadata: Record<string, unknown>
  written: Set<string>
  deleted: Set<string>
}

// The context a filter sees in the thread; `metadata` records which keys the hook touched.
// Known gap: an in-place change to a nested value (`metadata.user.tier = ...`) is not seen.
function contextFromSnapshot(snapshot: ContextSnapshot): {
  ctx: IOContext
  changes: TrackedChanges
} {
  const { omitted: _omitted, metadata, ...fields } = snapshot
  const changes: TrackedChanges = { metadata, written: new Set(), deleted: new Set() }
  const tracked = new Proxy(metadata, {
    set(target, key, value) {
      if (typeof key === 'string') {
        changes.written.add(key)
        changes.deleted.delete(key)
      }
      return Reflect.set(target, key, value)
    },
    deleteProperty(target, key) {
      if (typeof key === 'string') {
        changes.deleted.add(key)
        changes.written.delete(key)
      }
      return Reflect.deleteProperty(target, key)
    },
  })
  deepFreeze(fields.request)
  Object.freeze(fields.headers)
  return { ctx: { ...fields, metadata: tracked }, changes }
}

function settle(changes: TrackedChanges): MetadataChanges {
  const written: Record<string, unknown> = {}
  for (const key of changes.written) written[key] = changes.metadata[key]
  const { values, uncloneable } = cloneableEntries(written)
  return { set: values, deleted: [...changes.deleted], uncloneable }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
}
