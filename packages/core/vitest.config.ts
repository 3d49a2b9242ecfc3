import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The first TypeScript file jiti loads in a run is transpiled cold; on a busy machine that
    // alone can pass vitest's default 5 s.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
