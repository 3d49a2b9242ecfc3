import { describeError, type ErrorCode, ErrorCodes, IOChainError } from '../errors.ts'
import { IOFilterReject, isFilterReject, toRejection } from '../reject.ts'
import type { WireError } from './messages.ts'

/** Flattens a thrown value in the worker; structured clone alone would drop custom fields. */
export function toWireError(err: unknown): WireError {
  if (isFilterReject(err)) {
    const { message, ...reject } = toRejection(err)
    return { name: 'IOFilterReject', message, reject }
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      code: typeof code === 'string' ? code : undefined,
    }
  }
  return { name: 'Error', message: describeError(err) }
}

/** Re-creates in the main thread what the hook threw, so the chain treats it as its own. */
export function fromWireError(wire: WireError): Error {
  if (wire.reject) return new IOFilterReject(wire.message, wire.reject)
  const err = isOwnCode(wire.code)
    ? new IOChainError(wire.code, wire.message)
    : Object.assign(new Error(wire.message), wire.code ? { code: wire.code } : {})
  err.name = wire.name
  if (wire.stack) err.stack = wire.stack
  return err
}

function isOwnCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && Object.hasOwn(ErrorCodes, code)
}
