/** The path every measured request goes to. */
export const CHAT_PATH = '/v1/chat/completions'

/** The key every bench request carries, for chains that check one; other targets ignore it. */
export const BENCH_API_KEY = 'sk-iochain-bench'

export const JSON_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${BENCH_API_KEY}`,
}

/** A small chat completion: a short prompt and a 16-token answer. */
export const SMALL_CHAT_BODY: string = JSON.stringify({
  model: 'mock-model',
  messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
  max_tokens: 16,
})

/** The paced stream: every reply of the bench's mock is `STREAM_TOKENS` tokens long. */
export const STREAM_BODY: string = JSON.stringify({
  model: 'mock-model',
  stream: true,
  messages: [{ role: 'user', content: 'Stream to the benchmark.' }],
})

export const STREAM_TOKENS = 64
export const STREAM_PACE_MS = 20
