import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from '../../workers/cluster.js';
import { startMoto } from '../../workers/local-stack.js';
import { stopProcess } from '../../workers/processes.js';

/**
 * The cluster pass: the same tests against the Temporal server on PostgreSQL (4 history shards, SQL
 * visibility) instead of the dev server. It provides what global-setup.ts provides, so tests do not
 * know which server they run on. Nothing is left behind: both processes stop and the data goes.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-test-cluster-'));
  const cluster = await startCluster({ dataDir, fsync: false, verbose: Boolean(process.env.GANTRY_TEST_VERBOSE) });
  const moto = await startMoto(false).catch(async (err: unknown) => {
    await cluster.stop();
    throw err;
  });
  project.provide('temporalAddress', cluster.temporalAddress);
  project.provide('namespace', cluster.namespace);
  project.provide('motoEndpoint', moto.endpoint);
  return async () => {
    await Promise.all([cluster.stop(), stopProcess(moto.child)]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
