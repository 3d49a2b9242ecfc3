import type { Endpoint } from '../filter.ts'
import type { OpenAIErrorFields } from './openai-error.ts'

export type ParsedRequest =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; error: OpenAIErrorFields }

/** Parses and checks what every route needs before a context can exist. */
export function parseRequestBody(raw: Buffer, endpoint: Endpoint): ParsedRequest {
  if (raw.length === 0) return invalid('The request body is empty; a JSON object was expected.')
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    return invalid(`The request body is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid('The request body must be a JSON object.')
  }
  const record = body as Record<string, unknown>
  if (typeof record.model !== 'string' || record.model === '') {
    return invalid('`model` is required and must be a non-empty string.', 'model')
  }
  if (endpoint === 'chat.completions' && !Array.isArray(record.messages)) {
    return invalid('`messages` is required and must be an array.', 'messages')
  }
  if (
    'stream' in record &&
    record.stream !== undefined &&
    record.stream !== null &&
    typeof record.stream !== 'boolean'
  ) {
    return invalid('`stream` must be a boolean.', 'stream')
  }
  return { ok: true, body: record }
}

function invalid(message: string, param: string | null = null): ParsedRequest {
  return { ok: false, status: 400, error: { message, type: 'invalid_request_error', param } }
}
