import { InvalidArgumentError } from 'commander'

// npm's rules for a new package name: lower case, URL-safe, at most one scope.
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/

/** Checks a package name as npm would accept it for publishing. */
export function parsePackageName(value: string): string {
  if (value.length > 214 || !PACKAGE_NAME.test(value)) {
    throw new InvalidArgumentError(
      `\`${value}\` is not a valid npm package name (lower case letters, digits, ` +
        "'-', '.', '_', optionally with an @scope/).",
    )
  }
  return value
}

/** Checks a JavaScript class name. */
export function parseClassName(value: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(value)) {
    throw new InvalidArgumentError(
      `\`${value}\` is not a class name: start with a capital letter, then letters and digits.`,
    )
  }
  return value
}

/** `@acme/iochain-pii-guard` becomes `PiiGuard`: the words that say what the filter does. */
export function classNameFor(packageName: string): string {
  const base = packageName.replace(/^@[^/]+\//, '')
  const words = base
    .split(/[^a-zA-Z0-9]+/)
    .filter((w) => w !== '' && !['iochain', 'filter'].includes(w.toLowerCase()))
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
  if (name === '') return 'MyFilter'
  return /^[0-9]/.test(name) ? `Filter${name}` : name
}

/** The folder a package is created in when none is given: its name without the scope. */
export function defaultDirFor(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '')
}
