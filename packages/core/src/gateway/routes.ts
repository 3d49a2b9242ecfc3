import type { Endpoint } from '../filter.ts'

/** The paths whose POST requests go through the chain; everything else passes through. */
export const FILTERED_ROUTES: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/v1/chat/completions', 'chat.completions'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/responses', 'responses'],
])

/** Where a request goes: its endpoint if filtered, and the target to send upstream. */
export interface Route {
  endpoint: Endpoint | undefined
  /** Origin-form path and query; for a filtered endpoint, the route's own spelling. */
  target: string
}

// Spellings without `/v1` reach the same handlers when the upstream base ends in `/v1`.
const CANONICAL = new Map<string, Endpoint>(
  [...FILTERED_ROUTES].flatMap(([path, endpoint]) => [
    [path.slice(1), endpoint],
    [path.slice(4), endpoint],
  ]),
)

/**
 * Routes a request target. Upstream servers normalise paths in different ways (decoding `%63`,
 * merging `//`, dropping a trailing `/`, ignoring case or `;params`), so any spelling that
 * could reach an inference handler is routed through the chain and sent upstream in its plain
 * form: no spelling may reach the model without the filters.
 */
export function routeOf(url: string): Route {
  const target = originForm(url)
  const end = pathEnd(target)
  const path = target.slice(0, end)
  const exact = FILTERED_ROUTES.get(path)
  if (exact) return { endpoint: exact, target: withoutFragment(target) }
  let plain = canonicalPath(path)
  // To a server that reads the target against a base URL, `//x/...` names a host `x` (as does
  // a backslash in place of either slash).
  if (!CANONICAL.has(plain) && /^[/\\]{2}/.test(path)) plain = plain.slice(plain.indexOf('/') + 1)
  const endpoint = CANONICAL.get(plain)
  if (!endpoint) return { endpoint: undefined, target: withoutFragment(target) }
  return { endpoint, target: `/${plain}${queryOf(target, end)}` }
}

const AUTHORITY = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i

// An absolute-form target (`POST http://host/v1/...`) is routed and relayed by its path alone,
// even one that the WHATWG URL parser refuses (`http://host:99999/...`) and an upstream takes.
function originForm(url: string): string {
  if (url.startsWith('/')) return url
  const authority = AUTHORITY.exec(url)
  if (!authority) return url
  const rest = url.slice(authority[0].length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

function pathEnd(url: string): number {
  const end = url.search(/[?#]/)
  return end === -1 ? url.length : end
}

function queryOf(target: string, end: number): string {
  return target[end] === '?' ? withoutFragment(target.slice(end)) : ''
}

function withoutFragment(target: string): string {
  const hash = target.indexOf('#')
  return hash === -1 ? target : target.slice(0, hash)
}

/** Lower-case segments, percent-decoded, with empty, `.` and `..` segments resolved. */
function canonicalPath(path: string): string {
  let decoded = path
  // Decoded up to four times, so that `%2563` cannot hide a `c` from one decoding pass.
  for (let i = 0; i < 4 && decoded.includes('%'); i++) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
  }
  const segments: string[] = []
  for (const raw of decoded.split(/[/\\]/)) {
    // Blanks and controls are dropped: some servers trim them, none routes on them.
    const segment = raw
      .split(';')[0]!
      .replace(/[\0-\x20\x7f]/g, '')
      .toLowerCase()
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  return segments.join('/')
}
