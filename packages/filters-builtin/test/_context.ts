import {
  createIOContext,
  createSilentLogger,
  type FilterInit,
  type IOContext,
  withCredentials,
} from '@iochain/core'

/** A context for a chat request, as a filter granted credentials sees it. */
export function chatContext(body: Record<string, unknown>, headers = {}): IOContext {
  return withCredentials(
    createIOContext({
      requestId: 'req-test',
      endpoint: 'chat.completions',
      request: { model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], ...body },
      headers,
      client: { address: '127.0.0.1', port: 1234 },
    }),
  )
}

export function initFor(name: string, baseDir = process.cwd()): FilterInit {
  return { name, logger: createSilentLogger(), baseDir, credentials: true }
}
