import { fileURLToPath } from 'node:url'

// Packages the CLI itself depends on (the built-in filters) resolve even when the operator's
// folder has not installed them.
export const CLI_DIR: string = fileURLToPath(new URL('../..', import.meta.url))
