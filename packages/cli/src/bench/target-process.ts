import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { FilterEntry, Gateway } from '@iochain/core'
import { failStartup, readInit, serveCommands } from './ipc.ts'
import type { TargetInit, TargetReady } from './targets.ts'

// The built-in filters resolve from the CLI's own folder, as for `iochain run`.
const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))

// Long enough that no kept-alive connection of the load generator is closed between rounds.
const KEEP_ALIVE_MS = 600_000

/**
 * One process per target, so its memory is its own and its CPU shows in its own profile. Each
 * kind imports only what it runs, so the proxy's memory holds no IOChain code.
 */
async function start(init: TargetInit): Promise<{ origin: string; close(): Promise<void> }> {
  if (init.kind === 'mock') {
    const { startMockModel } = await import('@iochain/core/mock')
    const mock = await startMockModel({
      chunkDelayMs: init.chunkDelayMs,
      replyTokens: init.replyTokens,
    })
    mock.server.keepAliveTimeout = KEEP_ALIVE_MS
    return { origin: new URL(mock.url).origin, close: () => mock.close() }
  }
  if (init.kind === 'proxy') {
    const { createPassThroughProxy } = await import('./pass-through-proxy.ts')
    const server = createPassThroughProxy(init.upstream)
    server.keepAliveTimeout = KEEP_ALIVE_MS
    return { origin: await listen(server), close: () => closeServer(server) }
  }
  const gateway = init.config
    ? await gatewayFromConfig(init.config, init.baseDir, init.upstream, init.filters)
    : await gatewayFromFilters(init.filters, init.baseDir, init.upstream)
  gateway.server.keepAliveTimeout = KEEP_ALIVE_MS
  await gateway.listen(0, '127.0.0.1')
  return { origin: gateway.url, close: () => gateway.close({ deadlineMs: 1_000 }) }
}

async function gatewayFromFilters(
  specs: Array<string | FilterEntry>,
  baseDir: string,
  upstream: string,
): Promise<Gateway> {
  const { createGateway, IOChain, loadFilters } = await import('@iochain/core')
  const filters = await loadFilters(specs, { baseDir, fallbackDirs: [CLI_DIR] })
  return createGateway({ chain: new IOChain(filters), upstream: { url: upstream } })
}

// As `iochain run --config` builds it, except that the upstream is the bench's mock model.
async function gatewayFromConfig(
  file: string,
  cwd: string,
  upstream: string,
  filters: Array<string | FilterEntry>,
): Promise<Gateway> {
  const { createGatewayFromConfig, readConfig, resolveConfig } = await import('@iochain/core')
  const read = await readConfig({ file, cwd })
  if (!read.ok) throw new Error(`\`${file}\`: ${read.problem?.message ?? 'no config file'}`)
  const config = await resolveConfig(read.file.config, {
    source: read.file,
    cwd,
    overrides: {
      upstream,
      // As for `run`, specs given next to a config replace its list.
      filters:
        filters.length > 0 ? filters.map((f) => (typeof f === 'string' ? f : f.use)) : undefined,
    },
    fallbackDirs: [CLI_DIR],
  })
  return createGatewayFromConfig(config)
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

try {
  const target = await start(readInit<TargetInit>())
  serveCommands({ origin: target.origin } satisfies TargetReady, {
    rss: () => process.memoryUsage.rss(),
    // Live objects only: collected first, where the process was started with --expose-gc.
    heap: () => {
      globalThis.gc?.()
      return process.memoryUsage().heapUsed
    },
    memory: () => process.memoryUsage(),
    cpu: () => {
      const used = process.cpuUsage()
      return used.user + used.system
    },
    stop: () => target.close(),
  })
} catch (err) {
  failStartup(err)
}
