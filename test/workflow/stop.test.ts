import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { getDeployment, getDeploymentSummary, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

describe('workflows/deployment: stop (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('stop');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('stop'));
    fleet = await startFakeFleet(harness, [host(1), host(2), host(3), host(4)]);
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const start = (group: string) =>
    startDeployment(
      harness.client,
      {
        applicationName: 'stop-app',
        deploymentGroupName: group,
        revision: { revisionType: 'Local', local: { path: '/srv/app' } },
        targetHosts: [host(1), host(2), host(3), host(4)],
        deploymentConfigName: 'HalfAtATime',
      },
      { taskQueue: harness.taskQueue },
    );

  it('stops: hooks in flight are cancelled, nothing new starts, status Stopped with MANUAL_STOP', async () => {
    fleet.behaviour.set(host(1), { slowAt: 'BeforeInstall' });
    fleet.behaviour.set(host(2), { slowAt: 'ApplicationStart' });
    const id = await start(`${prefix}-a`);
    for (let i = 0; i < 100 && !fleet.calls.includes(`${host(2)}:ApplicationStart`); i += 1) await new Promise((r) => setTimeout(r, 100));
    const answer = await stopDeployment(harness.client, id);
    expect(answer).toMatchObject({ status: 'Succeeded' });
    expect(answer.statusMessage).toMatch(/is Stopped: The deployment was stopped by request/);

    const err = (await harness.client.workflow.getHandle(id).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err.cause as ApplicationFailure).type).toBe('ManualStop');
    const view = await getDeployment(harness.client, id);
    expect(view.status).toBe('Stopped');
    expect(view.errorInformation).toMatchObject({ code: 'MANUAL_STOP' });
    expect(view.targets.map((t) => t.status)).toEqual(['Failed', 'Failed', 'Skipped', 'Skipped']);
    expect(fleet.cancelledEvents.sort()).toEqual([`${host(1)}:BeforeInstall`, `${host(2)}:ApplicationStart`]);
    expect(fleet.calls.some((c) => c.startsWith(`${host(3)}:`) || c.startsWith(`${host(4)}:`))).toBe(false);
    const h1 = view.targets[0]?.lifecycleEvents ?? [];
    expect(h1.find((e) => e.lifecycleEventName === 'BeforeInstall')).toMatchObject({ status: 'Failed', diagnostics: { message: expect.stringMatching(/^Cancelled: the deployment was stopped/) } });
    expect(h1.filter((e) => e.status === 'Skipped').map((e) => e.lifecycleEventName)).toEqual(['Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
  });

  it('refuses to stop a deployment that has already completed', async () => {
    fleet.behaviour.clear();
    const id = await start(`${prefix}-b`);
    await harness.client.workflow.getHandle(id).result();
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Succeeded');
    await expect(stopDeployment(harness.client, id)).rejects.toThrow(/has already completed \(Succeeded\); there is nothing to stop/);
  });
});
