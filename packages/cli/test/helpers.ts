import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import { afterAll } from 'vitest'
import { runCli } from '../src/program.ts'

const WORKSPACE = path.resolve(import.meta.dirname, '../../..')

/** Runs the CLI in-process; returns its exit code and what it printed. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => {
    out += d
  })
  stderr.on('data', (d) => {
    err += d
  })
  const code = await runCli(['node', 'iochain', ...args], { stdout, stderr })
  return { code, out, err }
}

const made: string[] = []

// Registered when a test file imports this module: its folders go once its tests are done.
afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A fresh folder in the OS temp dir, removed after the importing file's tests. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'iochain-cli-'))
  made.push(dir)
  return dir
}

/** Writes files (relative path to text) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
}

/**
 * Installs into `dir/node_modules` the workspace's own packages and tools as links, the way a
 * `file:` dependency would: what the generated package needs, without a registry.
 */
export async function linkWorkspacePackages(dir: string): Promise<void> {
  const links: Record<string, string> = {
    '@iochain/core': 'packages/core',
    '@iochain/testkit': 'packages/testkit',
    '@iochain/cli': 'packages/cli',
    vitest: 'node_modules/vitest',
    typescript: 'node_modules/typescript',
    '@types/node': 'node_modules/@types/node',
  }
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(dir, 'node_modules', name)
    await mkdir(path.dirname(link), { recursive: true })
    await symlink(path.join(WORKSPACE, target), link, 'dir')
  }
}

/** Runs a Node script outside this test run (no vitest variables), in `cwd`. */
export async function runNode(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
    ),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  }
  return promisify(execFile)(process.execPath, args, { cwd, env }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  )
}
