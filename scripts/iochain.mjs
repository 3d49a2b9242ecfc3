#!/usr/bin/env node
// `pnpm iochain` runs in the workspace root whatever folder it was typed in; the package manager
// names that folder in INIT_CWD, and the user's relative paths (filter specs, config files,
// `init` targets) mean it, as they do for an installed `iochain`.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)
await import('../packages/cli/dist/bin.js')
