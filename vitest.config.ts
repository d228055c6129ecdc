import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native threads and real sockets: one file at a time per worker keeps CPU-bound tests honest on 2 cores.
    fileParallelism: false,
  },
});
