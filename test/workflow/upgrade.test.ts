/**
 * Upgrading controller workers while deployments run: deployments start on one build of the
 * workflows, that worker stops mid-deployment, a build with a `patched()` change takes over, and
 * every deployment ends as it should, with no event run twice and no workflow task failing. New
 * deployments run the new code; those already running keep the old path (docs/upgrades.md).
 */
import { createRequire } from 'node:module';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControllerWorker } from '../../workers/controller.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { lazyAwsClients } from '../../workers/aws-clients.js';
import { waitUntil } from '../../workers/processes.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { motoEnv, startController, uniqueName, type Harness } from '../support/harness.js';
import { UPGRADE_PATCH } from '../support/upgraded-build.js';

const require = createRequire(import.meta.url);

describe('workflows: upgrading the controller while deployments run (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  let upgraded: Worker | undefined;
  let upgradedRun: Promise<void> | undefined;
  const prefix = uniqueName('upgrade');
  const hosts = [1, 2, 3].map((n) => `${prefix}-h${n}`);

  beforeAll(async () => {
    harness = await startController(uniqueName('upgrade'));
    // Slow enough events that the old build stops with every deployment in the middle.
    fleet = await startFakeFleet(harness, hosts, 400);
  });
  afterAll(async () => {
    upgraded?.shutdown();
    await upgradedRun;
    await fleet?.close();
    await harness?.close();
  });

  const deploy = (group: string) =>
    startDeployment(harness.client, { applicationName: 'upgrade-app', deploymentGroupName: group, revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: hosts, deploymentConfigName: 'OneAtATime' }, { taskQueue: harness.taskQueue });

  it('deployments started on the old build finish on the new one; new deployments take the patched path', async () => {
    const before = await Promise.all([deploy(`${prefix}-a`), deploy(`${prefix}-b`)]);
    // Mid-deployment: the first host is done, the others are not.
    await waitUntil('both deployments to be part-way', async () => (await Promise.all(before.map((id) => getDeploymentSummary(harness.client, id)))).every((s) => s.deploymentOverview.Succeeded >= 1 && s.status === 'InProgress'), 60_000, 200);
    harness.controller.shutdown();
    await waitUntil('the old build to stop', async () => harness.controller.getState() === 'STOPPED', 60_000, 100);

    upgraded = await createControllerWorker({ connection: harness.workerConnection, namespace: harness.client.options.namespace, taskQueue: harness.taskQueue, aws: lazyAwsClients(motoEnv()), workflowInterceptorModules: [require.resolve('../support/upgraded-build.ts')] });
    upgradedRun = upgraded.run();
    const after = await deploy(`${prefix}-c`);

    for (const id of [...before, after]) await harness.client.workflow.getHandle(id).result();
    for (const id of [...before, after]) {
      const summary = await getDeploymentSummary(harness.client, id);
      expect(summary.status).toBe('Succeeded');
      expect(summary.targets.map((t) => t.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
      const history = await harness.client.workflow.getHandle(id).fetchHistory();
      // No workflow task failed: the new build replayed the old deployments' histories without a nondeterminism error.
      expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
      const description = await harness.client.workflow.getHandle(id).describe();
      // Only the deployment started on the new build took the patched path (Temporal records the patch as a change version).
      const patches = (description.searchAttributes.TemporalChangeVersion ?? []) as string[];
      expect([patches.includes(UPGRADE_PATCH), description.memo?.builtBy]).toEqual(id === after ? [true, 'upgraded'] : [false, undefined]);
    }
    // Each host ran each of its events once in each of the three deployments, across the change of build.
    const counts = new Map<string, number>();
    for (const call of fleet.calls) counts.set(call, (counts.get(call) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(hosts.length * 5);
    expect([...new Set(counts.values())]).toEqual([3]);
  });
});
