import type { ErrorCode } from '../errors.ts'
import { flagFor } from './overrides.ts'
import {
  type ConfigPath,
  type ConfigProblem,
  formatPath,
  type SourcePosition,
  type ValidationStep,
} from './problem.ts'
import type { ConfigFile } from './read-config.ts'

export interface NewProblem {
  code: ErrorCode
  step: ValidationStep
  path: ConfigPath
  message: string
  /** Point at the key rather than its value (an unknown key). */
  atKey?: boolean
  /** The value is missing: point at its parent. */
  missing?: boolean
}

/** Collects problems and places each in the file or on the command line. */
export class ProblemList {
  readonly items: ConfigProblem[] = []
  readonly #source: ConfigFile | undefined
  readonly #overridden: ReadonlySet<string>

  constructor(source: ConfigFile | undefined, overridden: ReadonlySet<string>) {
    this.#source = source
    this.#overridden = overridden
  }

  add(problem: NewProblem): void {
    const path = formatPath(problem.path)
    const flag = flagFor(path, this.#overridden)
    const placed: ConfigProblem = {
      code: problem.code,
      step: problem.step,
      path,
      message: problem.message,
    }
    if (flag) placed.flag = flag
    else if (this.#source) {
      placed.file = this.#source.file
      Object.assign(placed, this.#position(problem))
    }
    this.items.push(placed)
  }

  /** Whether a problem was found at `path` or inside it. */
  has(path: ConfigPath): boolean {
    const text = formatPath(path)
    return this.items.some(
      (p) =>
        text === '' ||
        p.path === text ||
        p.path.startsWith(`${text}.`) ||
        p.path.startsWith(`${text}[`),
    )
  }

  #position(problem: NewProblem): SourcePosition | undefined {
    const locator = this.#source?.locator
    if (!locator) return undefined
    const path = problem.missing ? problem.path.slice(0, -1) : problem.path
    return locator.locate(path, { key: problem.atKey })
  }
}
