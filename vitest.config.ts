import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start worker threads; on two cores they run best one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});
