import { ErrorCodes, IOChainError } from '../errors.ts'

export interface ParsedSpec {
  /** A package name or a path, as written. */
  module: string
  /** The export to use; `undefined` means the default export. */
  exportName: string | undefined
  isPath: boolean
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const DRIVE_PATH = /^[A-Za-z]:[\\/]/

/**
 * Splits `module:ExportName`. The export is whatever follows the last colon when it is an
 * identifier, so `C:\filters\a.ts` (no export) and `C:\filters\a.ts:Audit` both work.
 *
 * @example
 * parseSpec('./filters/audit.ts:AuditLog') // { module: './filters/audit.ts', exportName: 'AuditLog' }
 */
export function parseSpec(spec: string): ParsedSpec {
  const trimmed = spec.trim()
  if (trimmed === '') {
    throw new IOChainError(ErrorCodes.IOC_ERR_SPEC_INVALID, 'A filter spec is empty.')
  }
  const colon = trimmed.lastIndexOf(':')
  const tail = colon === -1 ? '' : trimmed.slice(colon + 1)
  const isDriveColon = colon === 1 && DRIVE_PATH.test(trimmed)
  let module = trimmed
  let exportName: string | undefined
  if (colon !== -1 && !isDriveColon) {
    if (!IDENTIFIER.test(tail)) {
      throw new IOChainError(
        ErrorCodes.IOC_ERR_SPEC_INVALID,
        `Filter spec \`${spec}\` names export \`${tail}\`, which is not an identifier; ` +
          'write `module:ExportName`, or `module` alone for the default export.',
      )
    }
    module = trimmed.slice(0, colon)
    exportName = tail
  }
  if (module === '') {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_SPEC_INVALID,
      `Filter spec \`${spec}\` has no module before the colon.`,
    )
  }
  return { module, exportName, isPath: isPathSpecifier(module) }
}

export function isPathSpecifier(module: string): boolean {
  return (
    module.startsWith('.') ||
    module.startsWith('/') ||
    module.startsWith('\\') ||
    DRIVE_PATH.test(module) ||
    module.startsWith('file:')
  )
}
