import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentInput } from '../../workflows/contracts/deployment.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

describe('workflows/deployment: trigger webhooks (fake hosts, local receiver)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const prefix = uniqueName('triggers');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('triggers'));
    fleet = await startFakeFleet(harness, [host(1), host(2)]);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await fleet?.close();
    await harness?.close();
  });

  const run = async (extra: Partial<DeploymentInput>) => {
    const id = await startDeployment(
      harness.client,
      { applicationName: 'hooks-app', deploymentGroupName: prefix, revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: [host(1), host(2)], deploymentConfigName: 'AllAtOnce', ...extra },
      { taskQueue: harness.taskQueue },
    );
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeploymentSummary(harness.client, id);
  };

  it('posts CodeDeploy-shaped deployment and instance notifications for the events a trigger names', async () => {
    fleet.behaviour.set(host(2), { failAt: 'ApplicationStart' });
    const summary = await run({
      triggerConfigurations: [
        { triggerName: 'all', triggerTargetUrl: receiver.url, triggerEvents: ['DeploymentStart', 'DeploymentSuccess', 'DeploymentFailure', 'InstanceStart', 'InstanceSuccess', 'InstanceFailure'] },
        { triggerName: 'failures-only', triggerTargetUrl: receiver.url, triggerEvents: ['DeploymentFailure', 'InstanceFailure'] },
      ],
    });
    expect(summary.status).toBe('Succeeded');
    const mine = receiver.received.filter((r) => r.body.deploymentId === summary.deploymentId);
    expect(mine.map((r) => `${r.body.eventTriggerName}:${r.event}`).sort()).toEqual(
      ['all:DeploymentStart', 'all:DeploymentSuccess', 'all:InstanceStart', 'all:InstanceStart', 'all:InstanceSuccess', 'all:InstanceFailure', 'failures-only:InstanceFailure'].sort(),
    );
    const success = mine.find((r) => r.event === 'DeploymentSuccess')?.body;
    expect(success).toMatchObject({
      region: expect.any(String),
      accountId: harness.client.options.namespace,
      applicationName: 'hooks-app',
      deploymentGroupName: prefix,
      status: 'SUCCEEDED',
      deploymentOverview: { Succeeded: '1', Failed: '1', InProgress: '0', Pending: '0', Skipped: '0' },
    });
    const failure = mine.find((r) => r.event === 'InstanceFailure')?.body;
    expect(failure).toMatchObject({ instanceId: host(2), instanceStatus: 'Failed', lastUpdatedAt: expect.stringMatching(/^\d{10}$/) });
    expect(failure?.lifecycleEvents).toContainEqual(expect.objectContaining({ LifecycleEvent: 'ApplicationStart', LifecycleEventStatus: 'Failed' }));
    fleet.behaviour.clear();
  });

  it('a failing webhook never fails the deployment', async () => {
    receiver.failWith = 500;
    try {
      const summary = await run({ triggerConfigurations: [{ triggerName: 'down', triggerTargetUrl: receiver.url, triggerEvents: ['DeploymentStart', 'DeploymentSuccess'] }] });
      expect(summary.status).toBe('Succeeded');
      const unreachable = await run({ triggerConfigurations: [{ triggerName: 'nowhere', triggerTargetUrl: 'http://127.0.0.1:9/hook', triggerEvents: ['DeploymentSuccess'] }] });
      expect(unreachable.status).toBe('Succeeded');
    } finally {
      receiver.failWith = undefined;
    }
  });
});
