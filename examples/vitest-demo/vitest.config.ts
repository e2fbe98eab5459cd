import { defineConfig } from 'vitest/config';
import { dockerJanitor } from 'docker-janitor/vitest';

export default defineConfig({
  plugins: [
    dockerJanitor({
      // Containers that testcontainers starts are cleaned too, even without our label.
      adopt: { labels: ['org.testcontainers=true'] },
    }),
  ],
  test: {
    include: ['*.test.ts'],
    testTimeout: 30_000,
  },
});
