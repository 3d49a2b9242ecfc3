import { describe, expect, it } from 'vitest'
import { countPii, findPii, isIban, isLuhnCard, redactPii } from '../src/pii/patterns.ts'

// One table of true and false positives per type: what must be found, and what must not.
const CASES: Array<{ type: string; found: string[]; notFound: string[] }> = [
  {
    type: 'email',
    found: ['write to jane.doe+ai@example.co.uk today', 'a@b.io'],
    notFound: ['user@localhost', 'the @ sign', 'email me at jane dot doe'],
  },
  {
    type: 'phone',
    found: [
      'call +1 (415) 555-0132 now',
      'tel 415-555-0132',
      '+44 20 7946 0958',
      '(030) 1234 5678',
      '+33 1 23 45 67 89',
      '0049 30 9018200',
      'or 415.555.0132',
      'call 1-800-555-0199',
    ],
    notFound: [
      'in 2024-05-17 we',
      'version 10.4.0.1',
      'build 10.0.19041.1288',
      'id 12345',
      'between 1990-2024',
      'invoice INV-2024-000123',
      'ISBN 978-3-16-148410-0',
      'ISBN 0-306-40615-2',
      'order #1234567890123456',
      'at 2024-03-15T10:30:00Z',
    ],
  },
  {
    type: 'card',
    found: [
      'card 4111 1111 1111 1111 exp',
      '5500-0000-0000-0004',
      '378282246310005',
      'amex 3782 822463 10005',
      // A CVV or expiry written on must not hide the number.
      'card 4111 1111 1111 1111 123 exp 12/26',
      '4111-1111-1111-1111-123',
    ],
    notFound: ['4111 1111 1111 1112', '0000 0000 0000 0000', 'order 1234567890123'],
  },
  {
    type: 'iban',
    found: [
      'IBAN DE89 3704 0044 0532 0130 00 please',
      'GB82WEST12345698765432',
      'FR14 2004 1010 0505 0001 3M02 606',
      // The next word in capitals must not hide the number.
      'to DE89 3704 0044 0532 0130 00 OK',
      'ES91 2100 0418 4502 0005 1332 THEN',
    ],
    notFound: ['DE89 3704 0044 0532 0130 01', 'ABCD1234'],
  },
  {
    type: 'ssn',
    found: ['SSN 123-45-6789.', 'ssn:078-05-1120'],
    notFound: ['000-12-3456', '666-45-6789', '123-00-6789', '123456789', '12-345-6789'],
  },
  {
    type: 'ip',
    found: [
      'from 192.168.1.20 to',
      'it was 10.0.0.1.',
      'host 2001:db8::8a2e:370:7334',
      'ip ::1',
      'full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 here',
      'link fe80::1%eth0',
      'mapped ::ffff:192.168.1.1',
      'listening on 10.0.0.1:8080',
    ],
    notFound: ['256.1.1.1', 'at 12:30:45 sharp', 'v1.2.3', '1.2.3.4.5', 'mac 00:1A:2B:3C:4D:5E'],
  },
]

describe('PII patterns', () => {
  for (const { type, found, notFound } of CASES) {
    it(`finds ${type} where it is`, () => {
      for (const text of found) expect(countPii([text]), text).toMatchObject({ [type]: 1 })
    })
    it(`does not report ${type} where it is not`, () => {
      for (const text of notFound) expect(countPii([text])[type as 'email'], text).toBeUndefined()
    })
  }

  it('claims each span once: a card number is not also a phone number', () => {
    expect(countPii(['pay with 4111-1111-1111-1111'])).toEqual({ card: 1 })
  })

  it('claims only the number when text runs on after it', () => {
    const text = 'card 4111 1111 1111 1111 123'
    expect(redactPii(text)).toBe('card [card] 123')
  })

  it('redacts every match by its type and keeps the rest of the text', () => {
    const text = 'Mail jane@example.com or call +1 415 555 0132, card 4242424242424242.'
    expect(redactPii(text)).toBe('Mail [email] or call [phone], card [card].')
    expect(findPii(text, ['email'])).toHaveLength(1)
  })

  it('checks card numbers with the Luhn sum and IBANs modulo 97', () => {
    expect(isLuhnCard('4012888888881881')).toBe(true)
    expect(isLuhnCard('4012888888881882')).toBe(false)
    expect(isIban('FR1420041010050500013M02606')).toBe(true)
    expect(isIban('FR1420041010050500013M02607')).toBe(false)
  })
})
