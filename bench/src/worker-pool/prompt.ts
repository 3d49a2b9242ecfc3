// A long support conversation with identifiers sprinkled through it, as a PII scan meets them.

const FILLER =
  'The customer explained that the order arrived late and the package was damaged on one side. ' +
  'They asked whether a replacement could be shipped before the end of the week, and whether ' +
  'the original invoice would be corrected to reflect the discount promised on the phone. '

const IDENTIFIERS = [
  'Contact: maria.rossi@example.com, phone +39 06 1234 5678.',
  'Card on file 4111 1111 1111 1111, expiry 12/28.',
  'IBAN DE89 3704 0044 0532 0130 00 for the refund.',
  'SSN 123-45-6789 was given by mistake; please redact it.',
  'Login from 192.168.10.24 on 03/11/2026 by John.',
  'Key sk-abcdefghijklmnop1234 must never be pasted here.',
]

/** A prompt of about `bytes` characters. */
export function longPrompt(bytes: number): string {
  let text = ''
  let i = 0
  while (text.length < bytes) {
    text += FILLER
    if (i % 3 === 0) text += `${IDENTIFIERS[(i / 3) % IDENTIFIERS.length]} `
    i++
  }
  return text.slice(0, bytes)
}
