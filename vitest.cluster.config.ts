import { defineConfig } from 'vitest/config';

/**
 * The cluster pass (`npm run test:cluster`): a representative part of the end-to-end suite against
 * the Temporal server on PostgreSQL. In place (a slice of everything a host does), groups with stop
 * and rollback, durability (controller, agent and server killed mid-hook), and each strategy:
 * blue/green and Lambda; and encrypted payloads read raw from its history. The settings are vitest.config.ts's; only the server and the files differ.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/support/cluster-setup.ts'],
    include: ['test/e2e/in-place-slice.test.ts', 'test/e2e/groups.test.ts', 'test/e2e/durability.test.ts', 'test/e2e/blue-green.test.ts', 'test/e2e/lambda.test.ts', 'test/e2e/encrypted-payloads.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
