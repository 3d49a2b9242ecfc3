import { describe, expect, it } from 'vitest'
import { jsonDepthExceeds } from '../src/gateway/json-depth.ts'
import { isJsonContentType } from '../src/gateway/parse-request.ts'

const bytes = (text: string) => Buffer.from(text)

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays alike', () => {
    expect(jsonDepthExceeds(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false)
    expect(jsonDepthExceeds(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(true)
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\" twice', c: '\\\\' })
    expect(jsonDepthExceeds(bytes(text), 1)).toBe(false)
  })

  it('measures the deepest point, not the number of brackets', () => {
    expect(jsonDepthExceeds(bytes('[[1],[2],[3],[4],[5]]'), 2)).toBe(false)
  })
})

describe('isJsonContentType', () => {
  it('accepts JSON types, parameters and a missing header', () => {
    for (const type of [undefined, 'application/json', 'Application/JSON; charset=utf-8']) {
      expect(isJsonContentType(type)).toBe(true)
    }
    expect(isJsonContentType('application/vnd.api+json')).toBe(true)
  })

  it('refuses other types', () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      expect(isJsonContentType(type)).toBe(false)
    }
  })
})
