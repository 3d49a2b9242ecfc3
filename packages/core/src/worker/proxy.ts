import type { HookName } from '../chain.ts'
import type { IOContext } from '../context.ts'
import type { IOFilter } from '../filter.ts'
import type { Logger } from '../logger.ts'
import type { FilterDescription, HookTask, WorkerFilterSource } from './messages.ts'
import type { FilterPool } from './pool.ts'
import { replayLogs } from './relay-logger.ts'
import { applyMetadataChanges, snapshotContext } from './snapshot.ts'
import { fromWireError } from './wire-error.ts'

export interface WorkerCallOptions {
  timeoutMs?: number
  /** Blocking hooks: what the hook wrote to `metadata` is applied to the request's context. */
  mergeMetadata: boolean
}

/** How the chain reaches a filter that lives in the pool's threads. */
export interface WorkerDispatch {
  readonly pool: FilterPool
  readonly source: WorkerFilterSource
  /** Runs the hook in a thread on a snapshot of `ctx`; throws what the hook threw. */
  call(hook: HookName, ctx: IOContext, options: WorkerCallOptions): Promise<void>
}

export interface WorkerFilter {
  description: FilterDescription
  dispatch: WorkerDispatch
  /** Stands in for the instance in the main thread; its hooks dispatch to the pool. */
  filter: IOFilter
}

let sequence = 0

/** Constructs the filter in a pool thread, which checks it; returns its main-thread stand-in. */
export async function loadWorkerFilter(
  source: Omit<WorkerFilterSource, 'key'>,
  pool: FilterPool,
  logger: Logger,
): Promise<WorkerFilter> {
  const keyed: WorkerFilterSource = { ...source, key: `filter-${++sequence}` }
  const label = { filter: source.name ?? source.spec, hook: 'load' }
  const result = await pool.run({ kind: 'describe', source: keyed }, label)
  replayLogs(logger, result.logs)
  if (!result.ok) throw fromWireError(result.error)
  if (result.kind !== 'describe')
    throw new Error('worker answered a describe task with a hook result')
  const { description } = result
  const dispatch = createDispatch(keyed, description.name, pool, logger)
  const filter: IOFilter = { name: description.name, blocking: description.blocking }
  for (const hook of description.hooks) {
    filter[hook] = (ctx: IOContext) => dispatch.call(hook, ctx, { mergeMetadata: true })
  }
  return { description, dispatch, filter }
}

function createDispatch(
  source: WorkerFilterSource,
  name: string,
  pool: FilterPool,
  logger: Logger,
): WorkerDispatch {
  return {
    pool,
    source,
    async call(hook, ctx, { timeoutMs, mergeMetadata }) {
      const task: HookTask = { kind: 'hook', source, hook, ctx: snapshotContext(ctx) }
      const label = { filter: name, hook, requestId: ctx.requestId, timeoutMs }
      const result = await pool.run(task, label)
      replayLogs(logger, result.logs)
      const changes = 'metadata' in result ? result.metadata : undefined
      if (changes && mergeMetadata) applyMetadataChanges(ctx.metadata, changes)
      if (changes && changes.uncloneable.length > 0) {
        logger.warn(
          { filter: name, hook, requestId: ctx.requestId, keys: changes.uncloneable },
          'metadata written in a worker thread could not be cloned and was left out',
        )
      }
      if (!result.ok) throw fromWireError(result.error)
    },
  }
}
