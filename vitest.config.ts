import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/session/tracking.cts is CommonJS TypeScript (loadable from Jest test files): transpile .cts too.
  oxc: { include: /\.(m?ts|cts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and end-to-end tests share one private engine: run files one at a time.
    fileParallelism: false,
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
