import type { IOChainConfig } from './schema.ts'

/**
 * Gives a TypeScript config file its types; returns the config unchanged.
 *
 * @example
 * // iochain.config.ts
 * import { defineConfig } from '@iochain/core'
 * export default defineConfig({ filters: ['@iochain/filters-builtin:RequestLogger'] })
 */
export function defineConfig(config: IOChainConfig): IOChainConfig {
  return config
}
