import { defineConfig } from 'vitest/config';
import { dockerJanitor } from 'docker-janitor/vitest';

export default defineConfig({
  // The tests get DOCKER_HOST on the session socket: everything they create is the session's.
  plugins: [dockerJanitor()],
  test: {
    include: ['*.test.ts'],
    testTimeout: 30_000,
  },
});
