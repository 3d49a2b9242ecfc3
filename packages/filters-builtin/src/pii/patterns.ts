import { isIPv6 } from 'node:net'

/** The kinds of personal data the PII filters recognise. */
export type PiiType = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'ip'

export const PII_TYPES: readonly PiiType[] = ['email', 'phone', 'card', 'iban', 'ssn', 'ip']

interface Detector {
  type: PiiType
  /** Finds candidates; must be global. */
  pattern: RegExp
  /** Confirms a candidate where a pattern alone would match too much. */
  confirm?: (match: string) => boolean
  /**
   * Also tries the candidate without its trailing groups when it fails `confirm`: a pattern
   * that runs on into a CVV or the next word must not hide the number before it.
   */
  shrink?: boolean
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'

// Checked in this order; a span claimed by an earlier detector is not matched again, so a card
// number is never also counted as a phone number.
const DETECTORS: readonly Detector[] = [
  { type: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  {
    type: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    confirm: isIban,
    shrink: true,
  },
  {
    type: 'card',
    pattern: /(?<!\d\.?)\d(?:[ -]?\d){12,18}(?!\.?\d)/g,
    confirm: isLuhnCard,
    shrink: true,
  },
  { type: 'ssn', pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g },
  { type: 'ip', pattern: new RegExp(`(?<!\\d\\.?)(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, 'g') },
  {
    type: 'ip',
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g,
    confirm: isIpv6,
  },
  // Not after a hyphen: `INV-2024-000123` is a reference, not a number to call.
  { type: 'phone', pattern: /(?<![\w+-])\+?\(?\d[\d ().-]{6,}\d(?![\w])/g, confirm: isPhone },
]

export interface PiiMatch {
  type: PiiType
  start: number
  end: number
}

/** Every match in `text` of the given types, without overlaps, in detector order. */
export function findPii(text: string, types: readonly PiiType[] = PII_TYPES): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const detector of DETECTORS) {
    if (!types.includes(detector.type)) continue
    for (const m of text.matchAll(detector.pattern)) {
      const start = m.index
      const matched = confirmed(detector, m[0])
      if (matched === undefined) continue
      const end = start + matched.length
      if (found.some((f) => start < f.end && end > f.start)) continue
      found.push({ type: detector.type, start, end })
    }
  }
  return found
}

/** Counts by type over several texts; types with no match are absent. */
export function countPii(
  texts: readonly string[],
  types: readonly PiiType[] = PII_TYPES,
): Partial<Record<PiiType, number>> {
  const counts: Partial<Record<PiiType, number>> = {}
  for (const text of texts) {
    for (const match of findPii(text, types)) counts[match.type] = (counts[match.type] ?? 0) + 1
  }
  return counts
}

/** The text with every match replaced by its type in brackets, such as `[email]`. */
export function redactPii(text: string, types: readonly PiiType[] = PII_TYPES): string {
  const matches = findPii(text, types).sort((a, b) => a.start - b.start)
  let out = ''
  let at = 0
  for (const m of matches) {
    out += `${text.slice(at, m.start)}[${m.type}]`
    at = m.end
  }
  return out + text.slice(at)
}

// --- confirmations ---

// The candidate, or with `shrink` its longest confirmed prefix that ends before a separator.
function confirmed(detector: Detector, candidate: string): string | undefined {
  const { confirm, shrink } = detector
  if (!confirm || confirm(candidate)) return candidate
  if (!shrink) return undefined
  for (let cut = candidate.search(/[ -][^ -]*$/); cut > 0; ) {
    const prefix = candidate.slice(0, cut)
    if (confirm(prefix)) return prefix
    cut = prefix.search(/[ -][^ -]*$/)
  }
  return undefined
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '')
}

/** The Luhn checksum that every payment card number satisfies. */
export function isLuhnCard(candidate: string): boolean {
  const digits = digitsOf(candidate)
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** ISO 13616: country letters moved to the end, letters as numbers, remainder 1 modulo 97. */
export function isIban(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '')
  if (iban.length < 15 || iban.length > 34) return false
  const moved = iban.slice(4) + iban.slice(0, 4)
  let remainder = 0
  for (const ch of moved) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97
  }
  return remainder === 1
}

function isIpv6(candidate: string): boolean {
  // Needs a hex digit and either `::` or all eight groups, so clock times never match.
  return /[0-9A-Fa-f]/.test(candidate) && isIPv6(candidate)
}

// Ten to fifteen digits (E.164), or eight and more after a `+`; dates and versions have dots
// or dashes in places a number never does and are rejected by the digit count. Digits and dots
// only is a version (`10.0.19041.1288`) unless grouped the North American way (`415.555.0132`);
// a last group of one digit is a check digit (ISBN `978-3-16-148410-0`), never a phone's.
function isPhone(candidate: string): boolean {
  const digits = digitsOf(candidate).length
  const min = candidate.startsWith('+') ? 8 : 10
  if (digits < min || digits > 15) return false
  if (/^\d{4}-\d{2}-\d{2}/.test(candidate) || /[ .-]\d$/.test(candidate)) return false
  return !/^[\d.]+$/.test(candidate) || /^(?:1\.)?\d{3}\.\d{3}\.\d{4}$/.test(candidate)
}
