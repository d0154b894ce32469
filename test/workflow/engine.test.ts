/** The strategy engine on the dev server: the interpreter records each step of the strategy in `status`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

describe('workflows/interpreter: steps in status (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('engine');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('engine steps'));
    fleet = await startFakeFleet(harness, [host(1), host(2)], 200);
    await fleet.register([{ hostId: host(1), tags: {}, zone: 'zone-a' }, { hostId: host(2), tags: {}, zone: 'zone-b' }]);
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  it('shows deployHosts, the bake between zones and the ending as the current step, each with its start time', async () => {
    const id = await startDeployment(
      harness.client,
      {
        applicationName: 'engine-app',
        deploymentGroupName: prefix,
        revision: { revisionType: 'Local', local: { path: '/srv/engine' } },
        targetHosts: [host(1), host(2)],
        deploymentConfig: { deploymentConfigName: 'Zonal', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, zonalConfig: { firstZoneMonitorDurationInSeconds: 2, monitorDurationInSeconds: 1 } },
      },
      { taskQueue: harness.taskQueue },
    );
    const seen: string[] = [];
    let summary: DeploymentSummary = await getDeploymentSummary(harness.client, id);
    // Bounded: 2 hosts of 7 events at 200 ms and a 2 s bake end well within 60 s.
    for (const until = Date.now() + 60_000; Date.now() < until; summary = await getDeploymentSummary(harness.client, id)) {
      const step = summary.currentStep ? `${summary.currentStep.kind}${summary.currentStep.detail ? ` ${summary.currentStep.detail}` : ''}` : undefined;
      if (step && seen.at(-1) !== step) seen.push(step);
      if (summary.status !== 'InProgress') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(summary.status).toBe('Succeeded');
    expect(seen).toEqual(['deployHosts', 'bake 2s', 'deployHosts', 'succeeded']);
    expect(Date.parse(summary.currentStep?.since ?? '')).toBeGreaterThan(Date.parse(summary.createTime));
  });
});
