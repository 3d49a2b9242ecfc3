import type { Endpoint } from '../filter.ts'

/** The paths whose POST requests go through the chain; everything else passes through. */
export const FILTERED_ROUTES: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/v1/chat/completions', 'chat.completions'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/responses', 'responses'],
])

/** The path part of a request target, without the query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}
