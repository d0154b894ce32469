import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end files each start real agents and a controller worker; two cores fit two at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
