import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url))

/** What a template's `{{placeholders}}` are replaced with. */
export type TemplateValues = Record<string, string>

/** Files a template renders to: relative path to text. */
export async function renderTemplate(
  name: string,
  values: TemplateValues,
): Promise<Map<string, string>> {
  const root = path.join(TEMPLATES, name)
  const files = new Map<string, string>()
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.tmpl')) continue
    const source = path.join(entry.parentPath, entry.name)
    const relative = outputName(path.relative(root, source))
    files.set(relative, fill(await readFile(source, 'utf8'), values, source))
  }
  return files
}

/**
 * Writes the files into `dir`, which must be absent or empty. Everything is written to a
 * sibling folder first and moved into place at the end, so a failure leaves nothing behind.
 */
export async function writePackage(dir: string, files: Map<string, string>): Promise<void> {
  const existing = await readdir(dir).catch(() => undefined)
  if (existing && existing.length > 0) {
    throw new Error(`\`${dir}\` already exists and is not empty; choose another folder.`)
  }
  const staging = `${dir}.iochain-init-${process.pid}`
  try {
    for (const [relative, text] of files) {
      const file = path.join(staging, relative)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, text)
    }
    if (existing) await rm(dir, { recursive: true })
    await rename(staging, dir)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

// --- internal ---

// `gitignore.tmpl` becomes `.gitignore`: npm would drop a real `.gitignore` from the CLI package.
function outputName(relative: string): string {
  const name = relative.slice(0, -'.tmpl'.length)
  return path.basename(name) === 'gitignore' ? path.join(path.dirname(name), '.gitignore') : name
}

function fill(text: string, values: TemplateValues, source: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`Template ${source} uses unknown {{${key}}}.`)
    return value
  })
}
