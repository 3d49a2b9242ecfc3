import { createRequire } from 'node:module'
import path from 'node:path'
import type { Command } from 'commander'
import { CliError, type CliIO } from '../io.ts'
import { classNameFor, defaultDirFor, parseClassName, parsePackageName } from '../scaffold/names.ts'
import { renderTemplate, writePackage } from '../scaffold/write-package.ts'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

interface InitFilterOptions {
  className?: string
}

export function registerInit(program: Command, io: CliIO): void {
  const init = program.command('init').description('Create a new project from a template.')
  init
    .command('filter')
    .description('Create a filter package: TypeScript class, tests, conformance suite, README.')
    .argument('<name>', 'npm package name, such as @acme/iochain-pii-guard', parsePackageName)
    .argument('[dir]', 'folder to create; the name without its scope unless given')
    .option(
      '--class-name <Name>',
      'the filter class; derived from the name unless given',
      parseClassName,
    )
    .action((name: string, dir: string | undefined, options: InitFilterOptions) =>
      initFilter(name, dir, options, io),
    )
}

async function initFilter(
  packageName: string,
  dir: string | undefined,
  options: InitFilterOptions,
  io: CliIO,
): Promise<void> {
  const target = path.resolve(dir ?? defaultDirFor(packageName))
  const className = options.className ?? classNameFor(packageName)
  const files = await renderTemplate('filter', {
    packageName,
    className,
    camelName: className[0]!.toLowerCase() + className.slice(1),
    iochainVersion: version,
  })
  try {
    await writePackage(target, files)
  } catch (err) {
    throw new CliError(`cannot create the filter package: ${(err as Error).message}`)
  }
  const shown = path.relative(process.cwd(), target) || '.'
  io.stdout.write(
    `Created ${packageName} (filter class ${className}) in ${shown}:\n` +
      [...files.keys()].map((file) => `  ${file}\n`).join('') +
      `\nNext:\n  cd ${shown}\n  npm install\n  npm test\n` +
      `  npx iochain run --filters ./src/index.ts:${className}\n`,
  )
}
