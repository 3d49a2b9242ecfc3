import path from 'node:path'
import { cosmiconfig, type Loader } from 'cosmiconfig'
import { LineCounter, parseDocument } from 'yaml'
import { describeError, type ErrorCode, ErrorCodes } from '../errors.ts'
import { importModule } from '../loader/import-module.ts'
import { createLocator, type Locator } from './locate.ts'
import type { ConfigProblem, SourcePosition } from './problem.ts'

export type ConfigFormat = 'typescript' | 'javascript' | 'json' | 'yaml' | 'package.json'

/** A config file, found and parsed but not yet validated. */
export interface ConfigFile {
  /** Absolute path. */
  file: string
  format: ConfigFormat
  /** The config as written. */
  config: unknown
  /** Relative specs resolve here: the file's folder. */
  baseDir: string
  /** Maps config paths to lines; JSON and YAML files only. */
  locator?: Locator
}

export type ReadConfigResult =
  | { ok: true; file: ConfigFile }
  | { ok: false; problem: ConfigProblem }
  /** No file named and none found while searching. */
  | { ok: false; problem: undefined }

/** The files searched for, in each folder, in this order. */
export const CONFIG_SEARCH_PLACES: readonly string[] = [
  'iochain.config.ts',
  'iochain.config.mts',
  'iochain.config.js',
  'iochain.config.mjs',
  'iochain.config.cjs',
  'iochain.config.yaml',
  'iochain.config.yml',
  'iochain.config.json',
  '.iochainrc',
  '.iochainrc.json',
  '.iochainrc.yaml',
  '.iochainrc.yml',
  'package.json',
]

export interface ReadConfigOptions {
  /** A file to read; otherwise the search starts in `cwd` and goes up to the project root. */
  file?: string
  cwd?: string
}

/** Finds (or takes) the config file and parses it; never throws for a bad file. */
export async function readConfig(options: ReadConfigOptions = {}): Promise<ReadConfigResult> {
  const cwd = options.cwd ?? process.cwd()
  const locators = new Map<string, Locator>()
  const explorer = cosmiconfig('iochain', {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    searchStrategy: 'project',
    cache: false,
    loaders: createLoaders(locators),
  })

  const file = options.file === undefined ? undefined : path.resolve(cwd, options.file)
  let result: Awaited<ReturnType<typeof explorer.search>>
  try {
    result = file === undefined ? await explorer.search(cwd) : await explorer.load(file)
  } catch (err) {
    return { ok: false, problem: toProblem(err, file) }
  }
  if (!result) {
    return file === undefined ? { ok: false, problem: undefined } : nullConfig(file, locators)
  }

  return {
    ok: true,
    file: {
      file: result.filepath,
      format: formatOf(result.filepath),
      // An empty file is an empty config: every setting takes its default.
      config: result.isEmpty ? {} : result.config,
      baseDir: path.dirname(result.filepath),
      locator: locators.get(result.filepath),
    },
  }
}

// A named file that holds nothing usable is reported, never taken for "no file found".
function nullConfig(file: string, locators: Map<string, Locator>): ReadConfigResult {
  if (path.basename(file) !== 'package.json') {
    // `null` as the whole config: the schema step says what it must be.
    const [format, baseDir, locator] = [formatOf(file), path.dirname(file), locators.get(file)]
    return { ok: true, file: { file, format, config: null, baseDir, locator } }
  }
  return {
    ok: false,
    problem: {
      code: ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND,
      step: 'parse',
      path: '',
      file,
      message: 'This package.json has no `iochain` key.',
    },
  }
}

/** The format a file is read as, by its name. */
export function formatOf(file: string): ConfigFormat {
  const base = path.basename(file)
  if (base === 'package.json') return 'package.json'
  const ext = path.extname(base)
  if (['.ts', '.mts', '.cts'].includes(ext)) return 'typescript'
  if (['.js', '.mjs', '.cjs'].includes(ext)) return 'javascript'
  if (ext === '.json') return 'json'
  return 'yaml'
}

// --- internal ---

/** A parse failure with its place, turned into a problem before it leaves this module. */
class ParseFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly position?: SourcePosition,
    readonly path = '',
  ) {
    super(message)
  }
}

function createLoaders(locators: Map<string, Locator>): Record<string, Loader> {
  const loadJson: Loader = (file, text) => {
    const isPackage = path.basename(file) === 'package.json'
    const config = parseJson(text)
    locators.set(file, createLocator(text, isPackage ? ['iochain'] : []))
    return config
  }
  const loadYaml: Loader = (file, text) => {
    locators.set(file, createLocator(text))
    return parseYaml(text)
  }
  // `.iochainrc` may hold either; JSON is read strictly so its errors read as JSON errors.
  const loadRc: Loader = (file, text) =>
    text.trimStart().startsWith('{') ? loadJson(file, text) : loadYaml(file, text)
  const loadModule: Loader = async (file) => {
    let namespace: Record<string, unknown>
    try {
      namespace = await importModule(file)
    } catch (err) {
      throw importFailure(file, err)
    }
    return 'default' in namespace ? namespace.default : namespace
  }
  const loaders: Record<string, Loader> = {
    '.json': loadJson,
    '.yaml': loadYaml,
    '.yml': loadYaml,
    noExt: loadRc,
    default: loadRc,
    '.ts': loadModule,
    '.mts': loadModule,
    '.cts': loadModule,
    '.js': loadModule,
    '.mjs': loadModule,
    '.cjs': loadModule,
  }
  for (const [ext, load] of Object.entries(loaders)) {
    // Editors on Windows may start a UTF-8 file with a byte order mark; JSON.parse refuses it.
    const read: Loader = async (file, text) => load(file, text.replace(/^\uFEFF/, ''))
    loaders[ext] = async (file, text) => refuseImports(file, await read(file, text), locators)
  }
  return loaders
}

// cosmiconfig would merge the files `$import` names; one file is one config, so it is refused.
function refuseImports(file: string, loaded: unknown, locators: Map<string, Locator>): unknown {
  const isPackage = path.basename(file) === 'package.json'
  const config = isPackage ? (loaded as { iochain?: unknown } | null)?.iochain : loaded
  if (typeof config !== 'object' || config === null || !Object.hasOwn(config, '$import')) {
    return loaded
  }
  throw new ParseFailure(
    ErrorCodes.IOC_ERR_CONFIG_UNKNOWN_KEY,
    '`$import` is not supported: a config is one file, so that what is checked is what runs.',
    locators.get(file)?.locate(['$import'], { key: true }),
    '$import',
  )
}

function parseJson(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw jsonFailure(text, (err as Error).message)
  }
  // JSON.parse keeps the last of two equal keys; a config must not lose one silently.
  const duplicate = yamlErrors(text).find((e) => e.code === 'DUPLICATE_KEY')
  if (duplicate) {
    throw new ParseFailure(
      ErrorCodes.IOC_ERR_CONFIG_SYNTAX,
      'A key appears twice in the same object.',
      duplicate.position,
    )
  }
  return value
}

function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const [first] = yamlErrors(text)
  if (first) {
    // The parser's own wording points at its API; say what to change in the file instead.
    const message =
      first.code === 'MULTIPLE_DOCS'
        ? 'A config file holds one YAML document; this one starts another with `---`'
        : first.message
    throw new ParseFailure(ErrorCodes.IOC_ERR_CONFIG_SYNTAX, `${message}.`, first.position)
  }
  // Comments only: as empty as an empty file.
  return doc.contents === null ? undefined : doc.toJS()
}

function yamlErrors(
  text: string,
): Array<{ code: string; message: string; position: SourcePosition }> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  return doc.errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0])
    return { code: e.code, message: e.message, position: { line, column: col } }
  })
}

// V8 writes `... in JSON at position 8 (line 1 column 9)`; the place goes into the problem.
function jsonFailure(text: string, message: string): ParseFailure {
  const place = /\(line (\d+) column (\d+)\)/.exec(message)
  const clean = message
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
  let position: SourcePosition | undefined
  if (place) position = { line: Number(place[1]), column: Number(place[2]) }
  else if (/end of JSON input/.test(message)) position = endOf(text)
  return new ParseFailure(ErrorCodes.IOC_ERR_CONFIG_SYNTAX, `Invalid JSON: ${clean}.`, position)
}

// A transpiler's syntax error names `file:line:column`; the place goes into the problem.
// A runtime error's place is the first stack frame in the file.
function importFailure(file: string, err: unknown): ParseFailure {
  const message = describeError(err)
  const at = message.indexOf(`${file}:`)
  const text = (at === -1 ? message : message.slice(0, at)).trim().split('\n')[0]!.trim()
  const stack = err instanceof Error ? (err.stack ?? '') : ''
  const where = at === -1 ? stack.slice(stack.indexOf(`${file}:`)) : message.slice(at)
  const place = where.startsWith(file) ? /^:(\d+):(\d+)/.exec(where.slice(file.length)) : null
  const position = place ? { line: Number(place[1]), column: Number(place[2]) } : undefined
  return new ParseFailure(
    ErrorCodes.IOC_ERR_CONFIG_IMPORT,
    `Importing the config file failed: ${text}`,
    position,
  )
}

function endOf(text: string): SourcePosition {
  const lines = text.split('\n')
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 }
}

function toProblem(err: unknown, named: string | undefined): ConfigProblem {
  const file = (err as { filepath?: string }).filepath ?? named
  const base = { step: 'parse' as const, path: '', file }
  if (err instanceof ParseFailure) {
    return { ...base, code: err.code, path: err.path, message: err.message, ...err.position }
  }
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'EISDIR') {
    return {
      ...base,
      code: ErrorCodes.IOC_ERR_CONFIG_NOT_FOUND,
      message:
        code === 'ENOENT'
          ? 'The config file does not exist.'
          : 'This is a folder, not a config file.',
    }
  }
  return { ...base, code: ErrorCodes.IOC_ERR_CONFIG_SYNTAX, message: describeError(err) }
}
