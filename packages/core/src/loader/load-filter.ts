import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeError, ErrorCodes, IOChainError } from '../errors.ts'
import type { FilterInit, IOFilter } from '../filter.ts'
import type { Logger } from '../logger.ts'
import { createSilentLogger } from '../logger.ts'
import { closestName } from './closest-name.ts'
import { importModule, resolvePackage } from './import-module.ts'
import { parseSpec } from './parse-spec.ts'

/** A spec's export, found but not yet constructed. */
export interface FilterExport {
  spec: string
  /** The resolved file. */
  file: string
  exportName: string
  value: unknown
}

export interface LoadFilterOptions {
  options?: unknown
  /** Relative specs and paths in options resolve here; the current folder unless given. */
  baseDir?: string
  logger?: Logger
  /** Overrides the name the filter declares. */
  name?: string
  /** Where else to look for a package not installed under `baseDir` (the CLI's own folder). */
  fallbackDirs?: string[]
  /** Whether the entry grants credential headers; passed on to the filter in `FilterInit`. */
  credentials?: boolean
}

export interface LoadedFilter {
  filter: IOFilter
  name: string
  source: FilterExport
}

/** Resolves `spec`, imports it (TypeScript through jiti) and finds the named export. */
export async function resolveFilterExport(
  spec: string,
  baseDir: string,
  fallbackDirs: readonly string[] = [],
): Promise<FilterExport> {
  const parsed = parseSpec(spec)
  const file = parsed.isPath
    ? resolvePathModule(spec, parsed.module, baseDir)
    : await resolvePackageModule(spec, parsed.module, [baseDir, ...fallbackDirs])

  let namespace: Record<string, unknown>
  try {
    namespace = await importModule(file)
  } catch (err) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_SPEC_IMPORT,
      `Filter module \`${parsed.module}\` (${file}) failed to load: ${describeImportError(err)}`,
      { cause: err },
    )
  }

  const exportName = parsed.exportName ?? 'default'
  if (!(exportName in namespace) || namespace[exportName] === undefined) {
    throw missingExport(spec, parsed.module, exportName, namespace)
  }
  return { spec, file, exportName, value: namespace[exportName] }
}

/** Resolves, imports and constructs the filter a spec names. */
export async function loadFilter(
  spec: string,
  opts: LoadFilterOptions = {},
): Promise<LoadedFilter> {
  const baseDir = opts.baseDir ?? process.cwd()
  const source = await resolveFilterExport(spec, baseDir, opts.fallbackDirs)
  return constructFilter(source, { ...opts, baseDir })
}

/** Constructs a resolved export with its options and settles the name it runs under. */
export async function constructFilter(
  source: FilterExport,
  opts: LoadFilterOptions & { baseDir: string },
): Promise<LoadedFilter> {
  const fallbackName = opts.name ?? defaultName(source)
  const logger = (opts.logger ?? createSilentLogger()).child({ filter: fallbackName })
  const init: FilterInit = {
    name: fallbackName,
    logger,
    baseDir: opts.baseDir,
    credentials: opts.credentials ?? false,
  }
  const filter = await instantiateFilter(source, opts.options, init)
  return { filter, name: opts.name ?? filterName(filter, fallbackName), source }
}

/**
 * Whether the export asks to run in the worker pool: `static worker = true` on a class, a
 * `worker: true` property on a factory function or on a filter object.
 */
export function wantsWorker(source: FilterExport): boolean {
  const value = source.value as { worker?: unknown } | null | undefined
  const flag = value === null || value === undefined ? undefined : value.worker
  if (flag === undefined) return false
  if (typeof flag !== 'boolean') {
    throw notAFilter(
      source,
      `\`${source.exportName}\` of \`${source.spec}\` has \`worker\` set to ` +
        `${describeKind(flag)}; it must be true or false`,
    )
  }
  return flag
}

/** Builds the filter from a class, a factory or a ready filter object. */
export async function instantiateFilter(
  source: FilterExport,
  options: unknown,
  init: FilterInit,
): Promise<IOFilter> {
  const { value } = source
  const where = `\`${source.exportName}\` of \`${source.spec}\``
  if (typeof value !== 'function') {
    if (isFilterObject(value)) return value
    throw notAFilter(
      source,
      `${where} is ${describeKind(value)}, not a class, a factory or a filter`,
    )
  }

  let instance: unknown
  try {
    instance = isClass(value)
      ? new (value as new (o: unknown, i: FilterInit) => unknown)(options, init)
      : await (value as (o: unknown, i: FilterInit) => unknown)(options, init)
  } catch (err) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_FILTER_CONSTRUCT,
      `Constructing filter ${where} failed: ${describeError(err)}`,
      { cause: err },
    )
  }
  if (!isFilterObject(instance)) {
    const what = isClass(value) ? 'its instances have' : 'what the factory returns has'
    throw notAFilter(source, `${where} is not a filter: ${what} neither onRequest nor onResponse`)
  }
  if (instance.blocking !== undefined && typeof instance.blocking !== 'boolean') {
    throw notAFilter(
      source,
      `${where} has \`blocking\` set to ${describeKind(instance.blocking)}; ` +
        'it must be true or false',
    )
  }
  return instance
}

// --- internal ---

// Node's `Require stack:` lists loader internals, and transpilers put the place on a line of its
// own; the report shows one line per problem, so both are folded away.
function describeImportError(err: unknown): string {
  const [message = ''] = describeError(err).split(/\nRequire stack:/)
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
}

function resolvePathModule(spec: string, module: string, baseDir: string): string {
  const file = module.startsWith('file:') ? fileURLToPath(module) : path.resolve(baseDir, module)
  if (!existsSync(file)) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_SPEC_NOT_FOUND,
      `Filter spec \`${spec}\`: file not found (tried ${file}).`,
    )
  }
  return file
}

async function resolvePackageModule(
  spec: string,
  module: string,
  dirs: readonly string[],
): Promise<string> {
  for (const dir of dirs) {
    const file = await resolvePackage(module, dir)
    if (file) return file
  }
  const name = packageName(module)
  const installedAt = name === module ? undefined : installedPackageDir(name, dirs)
  if (installedAt) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_SPEC_NOT_FOUND,
      `Filter spec \`${spec}\`: package \`${name}\` is installed (${installedAt}) but does ` +
        `not export \`${module}\`; the subpaths it offers are in its package.json \`exports\`.`,
    )
  }
  throw new IOChainError(
    ErrorCodes.IOC_ERR_SPEC_NOT_FOUND,
    `Filter spec \`${spec}\`: package \`${module}\` cannot be found from ${dirs[0]}. ` +
      `Install it in that project (npm install ${name}).`,
  )
}

// Where Node would find the package itself, whatever its `exports` map allows.
function installedPackageDir(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const lookups = createRequire(path.join(dir, 'noop.js')).resolve.paths(name) ?? []
    const found = lookups.map((base) => path.join(base, name)).find(isPackageDir)
    if (found) return found
  }
  return undefined
}

function isPackageDir(dir: string): boolean {
  return existsSync(path.join(dir, 'package.json'))
}

function missingExport(
  spec: string,
  module: string,
  exportName: string,
  namespace: Record<string, unknown>,
): IOChainError {
  const names = Object.keys(namespace).filter(
    (k) => k !== '__esModule' && namespace[k] !== undefined,
  )
  const listed = names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : 'none'
  const guess = closestName(exportName, names)
  const hint = guess ? ` Did you mean \`${module}:${guess}\`?` : ''
  const what =
    exportName === 'default' ? 'has no default export' : `has no export \`${exportName}\``
  return new IOChainError(
    ErrorCodes.IOC_ERR_SPEC_EXPORT_MISSING,
    `Filter spec \`${spec}\`: module \`${module}\` ${what}. Its exports: ${listed}.${hint}`,
  )
}

function notAFilter(source: FilterExport, message: string): IOChainError {
  return new IOChainError(ErrorCodes.IOC_ERR_SPEC_NOT_A_FILTER, `${message} (${source.file}).`)
}

function isFilterObject(value: unknown): value is IOFilter {
  if (typeof value !== 'object' || value === null) return false
  const v = value as IOFilter
  return typeof v.onRequest === 'function' || typeof v.onResponse === 'function'
}

// Native classes print as `class ...`; transpiled ones are recognised by hooks on the prototype.
function isClass(fn: Function): boolean {
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) return true
  const proto = fn.prototype as IOFilter | undefined
  return (
    !!proto && (typeof proto.onRequest === 'function' || typeof proto.onResponse === 'function')
  )
}

function filterName(filter: IOFilter, fallback: string): string {
  return typeof filter.name === 'string' && filter.name !== '' ? filter.name : fallback
}

function defaultName(source: FilterExport): string {
  const value = source.value as { name?: unknown } | undefined
  if (typeof value === 'function' && typeof value.name === 'string' && value.name !== '') {
    return value.name
  }
  if (source.exportName !== 'default') return source.exportName
  return path.basename(source.file).replace(/\.[^.]+$/, '')
}

function describeKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value} (${JSON.stringify(value)})`
}

function packageName(module: string): string {
  const parts = module.split('/')
  return module.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}
