import autocannon from 'autocannon'
import { CHAT_PATH, JSON_HEADERS, SMALL_CHAT_BODY } from './workload.ts'

export interface SaturationArgs {
  origin: string
  connections: number
  durationS: number
}

export interface SaturationResult {
  /** Successful answers per second over the whole run. */
  rps: number
  /** Successful answers in all. */
  completed: number
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number
}

/** Closed-loop load as hard as `connections` keep-alive connections can push. */
export async function driveSaturation(args: SaturationArgs): Promise<SaturationResult> {
  const result = await autocannon({
    url: args.origin + CHAT_PATH,
    method: 'POST',
    headers: JSON_HEADERS,
    body: SMALL_CHAT_BODY,
    connections: args.connections,
    duration: args.durationS,
  })
  return {
    rps: result['2xx'] / result.duration,
    completed: result['2xx'],
    errors: result.errors + result.timeouts + result.non2xx,
  }
}
