import { isUtf8 } from 'node:buffer'
import type { IncomingHttpHeaders } from 'node:http'
import type { Endpoint } from '../filter.ts'
import { jsonDepthExceeds } from './json-depth.ts'
import type { OpenAIErrorFields } from './openai-error.ts'

export type ParsedRequest =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; error: OpenAIErrorFields }

/** Deeper than any real request; deeper ones would only cost stack in every later walk. */
export const MAX_JSON_DEPTH = 128

/** Parses and checks what every route needs before a context can exist. */
export function parseRequestBody(raw: Buffer, endpoint: Endpoint): ParsedRequest {
  if (raw.length === 0) return invalid('The request body is empty; a JSON object was expected.')
  if (!isUtf8(raw)) return invalid('The request body is not valid UTF-8.')
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
    return invalid(`The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`)
  }
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

/** Why a body is refused, with 415, on its headers alone: before it is read or asked for. */
export function refusalByHeaders(headers: IncomingHttpHeaders): OpenAIErrorFields | undefined {
  const type = 'invalid_request_error'
  if (!isJsonContentType(headers['content-type'])) {
    const message = 'The request body must be JSON, sent with `content-type: application/json`.'
    return { message, type, code: 'unsupported_media_type' }
  }
  const encoding = requestEncoding(headers['content-encoding'])
  if (encoding) {
    // Filters would have to see the decoded JSON, and the upstream might decode it otherwise.
    const message = `Request bodies must not be compressed (\`content-encoding: ${encoding}\`).`
    return { message, type, param: 'content-encoding', code: 'unsupported_content_encoding' }
  }
  return undefined
}

/** `application/json` or a `+json` type; a request without a content type is taken as JSON. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return true
  const type = header.split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

function invalid(message: string, param: string | null = null): ParsedRequest {
  return { ok: false, status: 400, error: { message, type: 'invalid_request_error', param } }
}

// The coding a request body claims, or `undefined` for none or `identity`.
function requestEncoding(header: string | undefined): string | undefined {
  const coding = header?.trim().toLowerCase()
  return coding && coding !== 'identity' ? coding : undefined
}
