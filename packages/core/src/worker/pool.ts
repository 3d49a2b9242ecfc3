import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { BroadcastChannel } from 'node:worker_threads'
import { Tinypool } from 'tinypool'
import { describeError, ErrorCodes, IOChainError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { createSilentLogger } from '../logger.ts'
import {
  type CloseReply,
  type CloseRequest,
  ORIGIN_KEY,
  type PoolWorkerData,
  type TaskOrigin,
  type WorkerResult,
  type WorkerTask,
} from './messages.ts'
import { replayLogs } from './relay-logger.ts'

export interface WorkerPoolOptions {
  /** Threads kept alive even when idle; 1 unless given. */
  minThreads?: number
  /** Most threads at once; cores − 1 (at least 1 and at least minThreads) unless given. */
  maxThreads?: number
  /** How long a thread above `minThreads` may idle before it stops; 30 s unless given. */
  idleTimeoutMs?: number
  /** Tasks that may wait for a free thread; more are refused. 1000 unless given. */
  maxQueue?: number
  /** Heap limit of each thread in MB; a thread that runs out is replaced. */
  maxHeapMb?: number
  logger?: Logger
}

/** Counters since the pool started, and its current load. */
export interface WorkerPoolStats {
  threads: number
  /** Tasks running in a thread now. */
  running: number
  /** Tasks waiting for a thread now: the queue depth. */
  queued: number
  /** Hook tasks that ran to the end in a thread, whatever the hook did. */
  completed: number
  /** Hooks that threw (not counting `IOFilterReject`), timed out, crashed or were cut. */
  failed: number
  timedOut: number
  /** Tasks whose thread died under them; the thread was replaced. */
  crashed: number
  /** Tasks refused because the queue was full. */
  dropped: number
}

/** What a task is for, so that a failure can be logged with the filter's name. */
export interface TaskLabel {
  filter: string
  hook: string
  requestId?: string
  /** Past this the task is aborted and its thread, if it started, is replaced. */
  timeoutMs?: number
}

export interface PoolCloseOptions {
  /** How long queued and running tasks may take before the threads are terminated. */
  deadlineMs?: number
}

const ENTRY = new URL('./entry.js', import.meta.url)
// Threads get at least this long to close their filters, even when the deadline has passed.
const MIN_CLOSE_MS = 250

/**
 * The tinypool that runs filters marked `worker: true`. Hooks reach it as tasks carrying a
 * context snapshot; a thread keeps one instance of each filter it was asked to run.
 */
export class FilterPool {
  readonly #pool: Tinypool
  readonly #logger: Logger
  readonly #channel: BroadcastChannel
  #inFlight = 0
  #idle: Array<() => void> = []
  #closing = false
  #stopping = false
  #counts = { completed: 0, failed: 0, timedOut: 0, crashed: 0, dropped: 0 }

  constructor(options: WorkerPoolOptions = {}) {
    const cores = Math.max(1, availableParallelism() - 1)
    const maxThreads = options.maxThreads ?? Math.max(cores, options.minThreads ?? 1)
    const minThreads = options.minThreads ?? Math.min(1, maxThreads)
    checkInteger('minThreads', minThreads, 0)
    checkInteger('maxThreads', maxThreads, 1)
    if (minThreads > maxThreads) {
      throw poolOptionError(
        `options.minThreads (${minThreads}) must not exceed maxThreads (${maxThreads})`,
      )
    }
    const idleTimeoutMs = options.idleTimeoutMs ?? 30_000
    const maxQueue = options.maxQueue ?? 1000
    checkInteger('idleTimeoutMs', idleTimeoutMs, 0)
    checkInteger('maxQueue', maxQueue, 0)
    if (options.maxHeapMb !== undefined) checkInteger('maxHeapMb', options.maxHeapMb, 1)

    this.#logger = options.logger ?? createSilentLogger()
    const workerData: PoolWorkerData = { channel: `iochain-pool-${randomUUID()}` }
    this.#channel = new BroadcastChannel(workerData.channel)
    this.#channel.unref()
    this.#pool = new Tinypool({
      filename: ENTRY.href,
      workerData,
      minThreads,
      maxThreads,
      idleTimeout: idleTimeoutMs,
      maxQueue,
      // Atomics would park idle threads in a blocking wait, starving timers that filters set.
      useAtomics: false,
      resourceLimits: options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : undefined,
    })
    // A thread that dies between tasks has no task to fail: count and log it here.
    this.#pool.on('error', (err: unknown) => {
      this.#counts.crashed++
      this.#logger.error(
        { ...originOf(err), err },
        'worker thread crashed between tasks; it was replaced',
      )
    })
  }

  get stats(): WorkerPoolStats {
    const queued = this.#pool.queueSize
    return {
      threads: this.#pool.threads.length,
      running: Math.max(0, this.#inFlight - queued),
      queued,
      ...this.#counts,
    }
  }

  get closed(): boolean {
    return this.#closing
  }

  /** Runs a task; rejects only for what happened to the thread, never for what the hook did. */
  async run(task: WorkerTask, label: TaskLabel): Promise<WorkerResult> {
    if (this.#closing) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_WORKER_POOL_CLOSED,
        `Filter '${label.filter}' ${label.hook} was not run: the worker pool is shutting down.`,
      )
    }
    const abort = label.timeoutMs ? new AbortController() : undefined
    const timer = abort && setTimeout(() => abort.abort(), label.timeoutMs)
    this.#inFlight++
    try {
      const result = (await this.#pool.run(task, { signal: abort?.signal })) as WorkerResult
      if (task.kind === 'hook') {
        this.#counts.completed++
        if (!result.ok && !result.error.reject) this.#counts.failed++
      }
      return result
    } catch (err) {
      throw this.#failure(err, label, abort?.signal.aborted === true)
    } finally {
      clearTimeout(timer)
      if (--this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake()
    }
  }

  /**
   * Stops taking tasks and lets queued and running ones finish by the deadline. Then every
   * thread closes the filters it holds, and the threads are terminated.
   */
  async close({ deadlineMs = 10_000 }: PoolCloseOptions = {}): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const deadline = Date.now() + deadlineMs
    if (this.#inFlight > 0 && !(await this.#settles(deadlineMs))) {
      this.#logger.warn(
        { running: this.#inFlight, deadlineMs },
        'worker pool shutdown deadline passed, terminating threads with tasks in flight',
      )
    }
    await this.#closeFilters(Math.max(deadline - Date.now(), MIN_CLOSE_MS))
    this.#stopping = true
    await this.#pool.destroy()
    this.#channel.close()
  }

  // --- internal ---

  #failure(err: unknown, label: TaskLabel, timedOut: boolean): IOChainError {
    const where = `Filter '${label.filter}' ${label.hook}`
    const context = { filter: label.filter, hook: label.hook, requestId: label.requestId }
    if (isQueueFull(err)) {
      this.#counts.dropped++
      return new IOChainError(
        ErrorCodes.IOC_ERR_WORKER_QUEUE_FULL,
        `${where} was not run: the worker pool queue is full.`,
      )
    }
    this.#counts.failed++
    if (timedOut) {
      this.#counts.timedOut++
      this.#logger.warn(context, 'worker hook timed out; a thread running it is replaced')
      return new IOChainError(
        ErrorCodes.IOC_ERR_HOOK_TIMEOUT,
        `${where} did not finish within ${label.timeoutMs} ms in a worker thread.`,
      )
    }
    if (this.#stopping) {
      return new IOChainError(
        ErrorCodes.IOC_ERR_WORKER_POOL_CLOSED,
        `${where} was cut short: the worker pool shut down.`,
        { cause: err },
      )
    }
    this.#counts.crashed++
    this.#logger.error({ ...context, err }, 'worker thread crashed; it was replaced')
    return new IOChainError(
      ErrorCodes.IOC_ERR_WORKER_CRASHED,
      `${where} crashed its worker thread: ${describeError(err)}`,
      { cause: err },
    )
  }

  // Broadcast, so that each thread answers for itself; a thread stuck in a task cannot answer.
  #closeFilters(ms: number): Promise<void> {
    let expected = this.#pool.threads.length
    if (expected === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#channel.onmessage = () => {}
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#channel.onmessage = (event) => {
        const reply = event.data as CloseReply | undefined
        if (reply?.kind !== 'closed') return
        replayLogs(this.#logger, reply.logs)
        if (--expected === 0) done()
      }
      const request: CloseRequest = { kind: 'close' }
      this.#channel.postMessage(request)
    })
  }

  #settles(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      this.#idle.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }
}

/** True for the error a full pool queue answers a task with. */
export function isWorkerQueueFull(err: unknown): boolean {
  return err instanceof IOChainError && err.code === ErrorCodes.IOC_ERR_WORKER_QUEUE_FULL
}

// The filter a thread blamed for the error that ended it, if it could tell.
function originOf(err: unknown): TaskOrigin | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  return (err as { [ORIGIN_KEY]?: TaskOrigin })[ORIGIN_KEY]
}

// tinypool signals a full queue only by this message.
function isQueueFull(err: unknown): boolean {
  return err instanceof Error && /queue is at limit|No task queue available/i.test(err.message)
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw poolOptionError(`options.${name} must be an integer of at least ${min}, got ${value}`)
  }
}

function poolOptionError(message: string): IOChainError {
  return new IOChainError(ErrorCodes.IOC_ERR_WORKER_POOL_OPTIONS, `Worker pool: ${message}.`)
}
