import type { ServerResponse } from 'node:http'
import { errorTypeForStatus } from '../reject.ts'

export interface OpenAIErrorFields {
  message: string
  type?: string
  param?: string | null
  code?: string | null
}

/** `{"error": {"message", "type", "param", "code"}}`, the body every OpenAI client parses. */
export function openAIErrorBody(status: number, fields: OpenAIErrorFields): string {
  return JSON.stringify({
    error: {
      message: fields.message,
      type: fields.type ?? errorTypeForStatus(status),
      param: fields.param ?? null,
      code: fields.code ?? null,
    },
  })
}

/** Answers with an OpenAI-shaped error unless the headers already went out. */
export function sendError(
  res: ServerResponse,
  status: number,
  fields: OpenAIErrorFields,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = openAIErrorBody(status, fields)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
