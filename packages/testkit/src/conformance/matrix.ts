import type { Endpoint, OutcomeKind } from '@iochain/core'

export interface Shape {
  endpoint: Endpoint
  stream: boolean
}

/** Each endpoint a filter sees, streaming and not (embeddings never stream). */
export const SHAPES: readonly Shape[] = [
  { endpoint: 'chat.completions', stream: false },
  { endpoint: 'chat.completions', stream: true },
  { endpoint: 'completions', stream: false },
  { endpoint: 'completions', stream: true },
  { endpoint: 'embeddings', stream: false },
  { endpoint: 'responses', stream: false },
  { endpoint: 'responses', stream: true },
]

export const OUTCOMES: readonly OutcomeKind[] = ['ok', 'rejected', 'error', 'cancelled']

/** The texts every filter must survive: ordinary, empty, huge, and beyond ASCII. */
export function texts(hugeBytes: number): Array<{ label: string; text: string }> {
  const line = 'The quick brown fox jumps over the lazy dog. '
  return [
    { label: 'a short message', text: 'What is the capital of France?' },
    { label: 'an empty message', text: '' },
    {
      label: `a ${Math.round(hugeBytes / 1024)} KiB message`,
      text: line.repeat(hugeBytes / line.length),
    },
    {
      label: 'non-ASCII text',
      text: 'Grüße, 東京 and Москва: 👩‍💻 naïve café — עברית ✓ \u0000\u202e',
    },
  ]
}
