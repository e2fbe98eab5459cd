import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/session/tracking.cts is CommonJS TypeScript (loadable from Jest test files): transpile .cts too.
  oxc: { include: /\.(m?ts|cts|[jt]sx)$/ },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Two projects: `npm run test:unit` (= --project unit) needs neither root nor dockerd;
    // `vitest run` runs both.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // No engine: DOCKER_HOST points nowhere and the state directory is the run's own.
          globalSetup: ['test/support/unit-setup.ts'],
          setupFiles: ['test/support/worker-env.ts'],
          // Many unit tests wait on sockets and short timeouts, not the CPU: three workers on a
          // 2-CPU machine took the project from 27 s (one worker, the default there) to 13 s.
          maxWorkers: 3,
        },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Integration and end-to-end tests share one private engine: run files one at a time.
          fileParallelism: false,
          // Real runners, dockerd, the docker CLI and Python clients on a machine that may be busy:
          // at load 17-20 on 2 CPUs single tests took 15-36 s (0.5-2.5 s on a quiet one). The
          // timeouts only catch a hang; what a test waits for has a bound of its own.
          testTimeout: 180_000,
          hookTimeout: 300_000,
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/worker-env.ts'],
        },
      },
    ],
  },
});
