#!/usr/bin/env node
// `pnpm iochain` runs in the workspace root whatever folder it was typed in; the package manager
// names that folder in INIT_CWD, and the user's relative paths (filter specs, config files,
// `init` targets) mean it, as they do for an installed `iochain`.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: read at run time, never by a turbo task
const typedIn = process.env.INIT_CWD
if (typedIn) process.chdir(typedIn)
await import('../packages/cli/dist/bin.js')
