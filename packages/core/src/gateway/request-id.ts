import { randomUUID } from 'node:crypto'

const SAFE_ID = /^[\w.:@/+=-]{1,128}$/

/** The client's `x-request-id` when it is a sane token, else a fresh one. */
export function pickRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return value && SAFE_ID.test(value) ? value : `req_${randomUUID().replaceAll('-', '')}`
}
