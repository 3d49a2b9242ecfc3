import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCodes, type IOChainError } from '../src/errors.ts'
import { loadFilter } from '../src/loader/load-filter.ts'
import { parseSpec } from '../src/loader/parse-spec.ts'
import { loadFilters } from '../src/loader/resolve-filters.ts'

const baseDir = path.join(import.meta.dirname, 'fixtures/filters')

async function failure(spec: string): Promise<IOChainError> {
  try {
    await loadFilter(spec, { baseDir })
  } catch (err) {
    return err as IOChainError
  }
  throw new Error(`expected ${spec} to fail`)
}

describe('parseSpec', () => {
  it('splits module and export', () => {
    expect(parseSpec('./a.ts:Audit')).toEqual({
      module: './a.ts',
      exportName: 'Audit',
      isPath: true,
    })
    expect(parseSpec('@acme/pii:Scanner')).toEqual({
      module: '@acme/pii',
      exportName: 'Scanner',
      isPath: false,
    })
    expect(parseSpec('pkg/sub')).toEqual({
      module: 'pkg/sub',
      exportName: undefined,
      isPath: false,
    })
  })

  it('keeps Windows drive letters in the module', () => {
    expect(parseSpec('C:\\filters\\a.ts')).toMatchObject({
      module: 'C:\\filters\\a.ts',
      exportName: undefined,
    })
    expect(parseSpec('D:/f/a.ts:Audit')).toMatchObject({
      module: 'D:/f/a.ts',
      exportName: 'Audit',
      isPath: true,
    })
  })

  it('refuses empty specs, empty modules and non-identifier exports', () => {
    expect(() => parseSpec('  ')).toThrow(
      expect.objectContaining({ code: ErrorCodes.IOC_ERR_SPEC_INVALID }),
    )
    expect(() => parseSpec(':Audit')).toThrow(/has no module before the colon/)
    expect(() => parseSpec('./a.ts:not-valid')).toThrow(/`not-valid`, which is not an identifier/)
  })
})

describe('loadFilter', () => {
  it('loads a class, a factory with options, an object and a default export', async () => {
    expect((await loadFilter('./kinds.ts:ClassFilter', { baseDir })).name).toBe('ClassFilter')
    const factory = await loadFilter('./kinds.ts:factoryFilter', {
      baseDir,
      options: { label: 'x' },
    })
    expect(factory.name).toBe('factory-x')
    expect((await loadFilter('./kinds.ts:objectFilter', { baseDir })).filter.blocking).toBe(false)
    expect((await loadFilter('./kinds.ts', { baseDir })).name).toBe('DefaultFilter')
  })

  it('says which file it tried when the file does not exist', async () => {
    const err = await failure('./missing.ts:X')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_SPEC_NOT_FOUND)
    expect(err.message).toContain(path.join(baseDir, 'missing.ts'))
  })

  it('says how to install a package that cannot be found', async () => {
    const err = await failure('@acme/not-installed:Filter')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_SPEC_NOT_FOUND)
    expect(err.message).toContain('npm install @acme/not-installed')
  })

  it('says an installed package does not export a subpath, not to install it', async () => {
    const err = await failure('eventsource-parser/nope:Filter')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_SPEC_NOT_FOUND)
    expect(err.message).toContain('package `eventsource-parser` is installed')
    expect(err.message).toContain('does not export `eventsource-parser/nope`')
    expect(err.message).not.toContain('npm install')
  })

  it('lists the exports that exist and suggests a near miss', async () => {
    const err = await failure('./kinds.ts:ClassFiltr')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_SPEC_EXPORT_MISSING)
    expect(err.message).toContain('has no export `ClassFiltr`')
    expect(err.message).toContain('`factoryFilter`')
    expect(err.message).toContain('Did you mean `./kinds.ts:ClassFilter`?')
  })

  it('explains why an export is not a filter', async () => {
    const object = await failure('./kinds.ts:notAFilter')
    expect(object.code).toBe(ErrorCodes.IOC_ERR_SPEC_NOT_A_FILTER)
    expect(object.message).toContain('is an object, not a class, a factory or a filter')
    const noHooks = await failure('./kinds.ts:NoHooks')
    expect(noHooks.code).toBe(ErrorCodes.IOC_ERR_SPEC_NOT_A_FILTER)
    expect(noHooks.message).toContain('neither onRequest nor onResponse')
    const blocking = await failure('./kinds.ts:BadBlocking')
    expect(blocking.message).toContain('`blocking` set to a string ("yes")')
  })

  it('reports a constructor that throws, keeping the cause', async () => {
    const err = await failure('./kinds.ts:Throws')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_FILTER_CONSTRUCT)
    expect(err.message).toContain('bad option value')
    expect(err.cause).toBeInstanceOf(Error)
  })

  it('reports a module that fails while loading', async () => {
    const err = await failure('./broken.ts:X')
    expect(err.code).toBe(ErrorCodes.IOC_ERR_SPEC_IMPORT)
    expect(err.message).toContain('module top-level failure')
  })

  it('refuses two filters with the same name', async () => {
    await expect(
      loadFilters(['./kinds.ts:ClassFilter', './kinds.ts:ClassFilter'], { baseDir }),
    ).rejects.toThrow(/Two filters are named `ClassFilter`/)
  })
})
