import type { IOContext } from '@iochain/core'

// A PII scan of the kind an operator runs on prompts: patterns for common identifiers, checksums
// where the identifier has one, and a dictionary pass over the words. On a 50 KB prompt it costs
// milliseconds of CPU, which is the point of the scenario.

const PATTERNS: Record<string, RegExp> = {
  email: /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
  phone: /(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{2,4}[ .-]\d{2,4}/g,
  card: /\b(?:\d[ -]?){13,19}\b/g,
  iban: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b/g,
  ssn: /\b\d{3}-\d{2}-\d{4}\b/g,
  ipv4: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g,
  date: /\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b/g,
  apiKey: /\b(?:sk|pk|rk)-[A-Za-z0-9]{16,}\b/g,
}

const FIRST_NAMES = new Set([
  ...'james mary robert patricia john jennifer michael linda david elizabeth william'.split(' '),
  ...'barbara richard susan joseph jessica thomas sarah charles karen maria anna luca'.split(' '),
  ...'sofia mohammed fatima wei yuki olga ivan'.split(' '),
])

export interface ScanResult {
  counts: Record<string, number>
  names: number
}

/** Scans one text `passes` times over; returns how many of each kind one pass found. */
export function scanText(text: string, passes = 1): ScanResult {
  let result = scanOnce(text)
  for (let i = 1; i < passes; i++) result = scanOnce(text)
  return result
}

function scanOnce(text: string): ScanResult {
  const counts: Record<string, number> = {}
  const normalized = text.normalize('NFKC')
  for (const [kind, pattern] of Object.entries(PATTERNS)) {
    let found = 0
    for (const match of normalized.matchAll(pattern)) {
      if (kind !== 'card' || luhnValid(match[0])) found++
    }
    counts[kind] = found
  }
  let names = 0
  for (const word of normalized.toLowerCase().split(/[^\p{L}]+/u)) {
    if (FIRST_NAMES.has(word)) names++
  }
  return { counts, names }
}

function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '')
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

function messagesText(request: Readonly<Record<string, unknown>>): string {
  const messages = Array.isArray(request.messages) ? request.messages : []
  return messages
    .map((m: { content?: unknown }) => (typeof m?.content === 'string' ? m.content : ''))
    .join('\n')
}

/** Background PII audit of every chat request: it annotates, it never blocks. */
export class PiiScanner {
  blocking = false
  readonly #passes: number

  constructor(options: { passes?: number } = {}) {
    this.#passes = options.passes ?? 1
  }

  onRequest(ctx: IOContext): void {
    const result = scanText(messagesText(ctx.request), this.#passes)
    ctx.metadata.pii = result
  }
}
