import { Pool } from 'undici'

const pools = new Map<string, Pool>()

/**
 * One keep-alive pool per target for the whole run: every measurement after the warm-up runs on
 * open connections, so no figure includes connection set-up.
 */
export function poolFor(origin: string): Pool {
  let pool = pools.get(origin)
  if (!pool) {
    pool = new Pool(origin, { connections: 1_024, keepAliveTimeout: 600_000 })
    pools.set(origin, pool)
  }
  return pool
}

/** Closes every connection, so that what a target still holds afterwards is its own. */
export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((pool) => pool.close()))
  pools.clear()
}
