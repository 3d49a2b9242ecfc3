import { InvalidArgumentError } from 'commander'

/** `a,b` and repeated flags both add to the list. */
export function parseList(value: string, previous: string[] = []): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return [...previous, ...items]
}

export function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(`a port is an integer from 0 to 65535, got \`${value}\`.`)
  }
  return port
}

// The longest a Node timer waits; a larger delay fires at once.
const MAX_TIMER_MS = 2_147_483_647

/** A duration in whole milliseconds, zero or more. */
export function parseMs(value: string): number {
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `a duration is a whole number of milliseconds up to ${MAX_TIMER_MS}, got \`${value}\`.`,
    )
  }
  return ms
}
