import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { DeploymentInput, DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { createDeploymentConfig, getDeploymentSummary, newDeploymentId, startDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

/** Workflow tests of the in-place rules on a real dev server, with scripted hosts. */
describe('workflows/deployment: in-place rules (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('rules');
  const host = (n: number): string => `${prefix}-h${n}`;
  const hosts = (...ns: number[]): string[] => ns.map(host);
  let groups = 0;

  beforeAll(async () => {
    harness = await startController(uniqueName('in-place rules'));
    fleet = await startFakeFleet(harness, hosts(1, 2, 3, 4, 5, 6, 7, 8, 9));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });
  beforeEach(() => {
    fleet.behaviour.clear();
    fleet.reset();
  });

  const input = (extra: Partial<DeploymentInput>): DeploymentInput => ({
    applicationName: 'rules-app',
    deploymentGroupName: `${prefix}-g${(groups += 1)}`,
    revision: { revisionType: 'Local', local: { path: '/srv/revision-1' } },
    ...extra,
  });
  const run = async (deployment: DeploymentInput): Promise<{ summary: DeploymentSummary; failure?: ApplicationFailure }> => {
    const id = await startDeployment(harness.client, deployment, { taskQueue: harness.taskQueue });
    const failure = await harness.client.workflow
      .getHandle(id)
      .result()
      .then(() => undefined)
      .catch((err: unknown) => {
        expect(err).toBeInstanceOf(WorkflowFailedError);
        return (err as WorkflowFailedError).cause as ApplicationFailure;
      });
    return { summary: await getDeploymentSummary(harness.client, id), failure };
  };
  const started = (): string[] => fleet.calls.filter((c) => c.endsWith(':ApplicationStop')).map((c) => c.split(':')[0] as string);

  it('HalfAtATime on 9 hosts: 4 at a time, succeeds with 5 successes', async () => {
    for (const n of [6, 7, 8, 9]) fleet.behaviour.set(host(n), { failAt: 'AfterInstall' });
    const { summary } = await run(input({ targetHosts: hosts(1, 2, 3, 4, 5, 6, 7, 8, 9), deploymentConfigName: 'HalfAtATime' }));
    expect(summary.status).toBe('Succeeded');
    expect(fleet.maxInFlight()).toBe(4);
    expect(summary.deploymentOverview).toMatchObject({ Succeeded: 5, Failed: 4 });
  });

  it('HalfAtATime on 9 hosts: fails with HEALTH_CONSTRAINTS once 4 have failed, and starts nothing after', async () => {
    for (const n of [1, 2, 3, 4]) fleet.behaviour.set(host(n), { failAt: 'BeforeInstall' });
    const { summary, failure } = await run(input({ targetHosts: hosts(1, 2, 3, 4, 5, 6, 7, 8, 9), deploymentConfigName: 'CodeDeployDefault.HalfAtATime' }));
    expect(failure?.type).toBe('HealthConstraints');
    expect(summary.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    expect(summary.errorInformation?.message).toMatch(/4 of 9 failed.*First failure: .*-h\d, BeforeInstall: ScriptFailed/);
    expect(started().sort()).toEqual(hosts(1, 2, 3, 4).sort());
    expect(summary.deploymentOverview).toMatchObject({ Failed: 4, Skipped: 5, Succeeded: 0 });
    expect(summary.targets.find((t) => t.targetId === host(1))?.failedEvent).toMatchObject({ lifecycleEventName: 'BeforeInstall', diagnostics: { errorCode: 'ScriptFailed' } });
  });

  it('AllAtOnce succeeds with one success; fails only when every host fails', async () => {
    for (const n of [1, 2]) fleet.behaviour.set(host(n), { failAt: 'ApplicationStart' });
    const ok = await run(input({ targetHosts: hosts(1, 2, 3), deploymentConfigName: 'AllAtOnce' }));
    expect(ok.summary.status).toBe('Succeeded');
    expect(fleet.maxInFlight()).toBe(3);
    fleet.behaviour.set(host(3), { failAt: 'ValidateService' });
    const bad = await run(input({ targetHosts: hosts(1, 2, 3), deploymentConfigName: 'AllAtOnce' }));
    expect(bad.summary.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    expect(bad.summary.errorInformation?.message).toMatch(/too few instances succeeded \(0 of 3/);
  });

  it('a custom configuration created by name is reused: HOST_COUNT 6 of 9 deploys 3 at a time', async () => {
    const name = `${prefix}-SixHealthy`;
    await createDeploymentConfig(harness.client, { deploymentConfigName: name, minimumHealthyHosts: { type: 'HOST_COUNT', value: 6 } }, harness.taskQueue);
    const { summary } = await run(input({ targetHosts: hosts(1, 2, 3, 4, 5, 6, 7, 8, 9), deploymentConfigName: name }));
    expect(summary).toMatchObject({ status: 'Succeeded', deploymentConfigName: name });
    expect(fleet.maxInFlight()).toBe(3);
    await expect(createDeploymentConfig(harness.client, { deploymentConfigName: name, minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }, harness.taskQueue)).rejects.toThrow(
      /deployment configuration .*SixHealthy already exists/,
    );
  });

  it('an inline FLEET_PERCENT 40 configuration on 9 hosts deploys 5 at a time', async () => {
    const { summary } = await run(
      input({ targetHosts: hosts(1, 2, 3, 4, 5, 6, 7, 8, 9), deploymentConfig: { deploymentConfigName: 'Forty', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 40 } } }),
    );
    expect(summary.status).toBe('Succeeded');
    expect(fleet.maxInFlight()).toBe(5);
  });

  it('HEALTH_CONSTRAINTS_INVALID before any host is touched when the minimum cannot be kept', async () => {
    const { summary, failure } = await run(
      input({ targetHosts: hosts(1, 2, 3, 4, 5, 6, 7, 8, 9), deploymentConfig: { deploymentConfigName: 'NinetyFive', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 95 } } }),
    );
    expect(failure?.type).toBe('HealthConstraintsInvalid');
    expect(summary.errorInformation).toMatchObject({ code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(summary.errorInformation?.message).toMatch(/requires 9 of 9 hosts to stay healthy/);
    expect(summary.deploymentOverview).toMatchObject({ Skipped: 9 });
    expect(fleet.calls).toEqual([]);
  });

  it('refuses an unknown configuration name: the client at once, the workflow when started directly', async () => {
    await expect(startDeployment(harness.client, input({ targetHosts: hosts(1), deploymentConfigName: 'NoSuchConfig' }), { taskQueue: harness.taskQueue })).rejects.toThrow(
      /deploymentConfigName "NoSuchConfig" is not a known deployment configuration/,
    );
    const handle = await harness.client.workflow.start('deployment', {
      taskQueue: harness.taskQueue,
      workflowId: newDeploymentId(),
      args: [input({ targetHosts: hosts(1), deploymentConfigName: 'NoSuchConfig' })],
    });
    const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((err.cause as ApplicationFailure).type).toBe('DeploymentConfigNotFound');
    expect(err.cause?.message).toMatch(/NoSuchConfig does not exist/);
  });

  it('selects targets by tag filters (OR) and tag sets (AND) over registered hosts; NO_INSTANCES when none match', async () => {
    await fleet.register([
      { hostId: host(1), tags: { [prefix]: 'web', env: 'prod' }, zone: null },
      { hostId: host(2), tags: { [prefix]: 'web', env: 'staging' }, zone: null },
      { hostId: host(3), tags: { [prefix]: 'db', env: 'prod' }, zone: null },
    ]);
    const byFilter = await run(input({ tagFilters: [{ Key: prefix, Value: 'web', Type: 'KEY_AND_VALUE' }], deploymentConfigName: 'AllAtOnce' }));
    expect(byFilter.summary.targets.map((t) => t.targetId)).toEqual(hosts(1, 2));
    fleet.reset();
    const bySet = await run(
      input({ tagSet: [[{ Key: prefix, Type: 'KEY_ONLY' }], [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }]], deploymentConfigName: 'AllAtOnce' }),
    );
    expect(bySet.summary.targets.map((t) => t.targetId)).toEqual(hosts(1, 3));
    expect(started().sort()).toEqual(hosts(1, 3));
    const none = await run(input({ tagFilters: [{ Key: prefix, Value: 'cache', Type: 'KEY_AND_VALUE' }] }));
    expect(none.failure?.type).toBe('NoInstances');
    expect(none.summary.errorInformation).toMatchObject({ code: 'NO_INSTANCES' });
    expect(none.summary.errorInformation?.message).toMatch(/No host matches tags .*=cache/);
  });

  it('schedules unhealthy hosts first, then old and current revision; updateOutdatedInstancesOnly skips up-to-date hosts', async () => {
    const group = `${prefix}-order`;
    const revision = (n: number) => ({ revisionType: 'Local' as const, local: { path: `/srv/revision-${n}` } });
    fleet.behaviour.set(host(2), { failAt: 'AfterInstall' });
    // R1: h1, h3, h5 succeed, h2 fails (unhealthy). R2 on h1 and h3 only: h5 is left on an old revision.
    expect((await run(input({ deploymentGroupName: group, targetHosts: hosts(1, 2, 3, 5), revision: revision(1), deploymentConfigName: 'AllAtOnce' }))).summary.status).toBe('Succeeded');
    fleet.behaviour.clear();
    expect((await run(input({ deploymentGroupName: group, targetHosts: hosts(1, 3), revision: revision(2), deploymentConfigName: 'AllAtOnce' }))).summary.status).toBe('Succeeded');
    fleet.reset();
    // h4 was never deployed: unhealthy too (CodeDeploy counts it so); ties keep the order given.
    const third = await run(input({ deploymentGroupName: group, targetHosts: hosts(1, 5, 4, 2), revision: revision(3) }));
    expect(third.summary.status).toBe('Succeeded');
    expect(started()).toEqual(hosts(4, 2, 5, 1));

    fleet.reset();
    const again = await run(input({ deploymentGroupName: group, targetHosts: hosts(1, 2, 3, 4, 5), revision: revision(3), updateOutdatedInstancesOnly: true }));
    expect(again.summary.status).toBe('Succeeded');
    expect(started()).toEqual(hosts(3));
    expect(again.summary.targets.map((t) => `${t.targetId.slice(-2)}:${t.status}`)).toEqual(['h1:Skipped', 'h2:Skipped', 'h3:Succeeded', 'h4:Skipped', 'h5:Skipped']);
  });

  it('zonal: one zone at a time in zone order, baking after each zone but the last', async () => {
    await fleet.register([
      { hostId: host(6), tags: { [`${prefix}-z`]: 'yes' }, zone: 'zone-b' },
      { hostId: host(7), tags: { [`${prefix}-z`]: 'yes' }, zone: 'zone-a' },
      { hostId: host(8), tags: { [`${prefix}-z`]: 'yes' }, zone: 'zone-b' },
      { hostId: host(9), tags: { [`${prefix}-z`]: 'yes' }, zone: 'zone-a' },
    ]);
    const id = await startDeployment(
      harness.client,
      input({
        tagFilters: [{ Key: `${prefix}-z`, Type: 'KEY_ONLY' }],
        deploymentConfig: { deploymentConfigName: 'Zonal', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, zonalConfig: { firstZoneMonitorDurationInSeconds: 2, monitorDurationInSeconds: 1 } },
      }),
      { taskQueue: harness.taskQueue },
    );
    // The status query names the zone being deployed (or baking).
    const zones: (string | null | undefined)[] = [];
    for (let summary = await getDeploymentSummary(harness.client, id); summary.status === 'InProgress'; summary = await getDeploymentSummary(harness.client, id)) {
      if (summary.currentZone !== undefined && zones.at(-1) !== summary.currentZone) zones.push(summary.currentZone);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(zones).toEqual(['zone-a', 'zone-b']);
    const summary = await getDeploymentSummary(harness.client, id);
    expect(summary.currentZone).toBeUndefined();
    const order = started();
    expect(order.slice(0, 2).sort()).toEqual(hosts(7, 9));
    expect(order.slice(2).sort()).toEqual(hosts(6, 8));
    const history = await harness.client.workflow.getHandle(summary.deploymentId).fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds));
    expect(timers).toEqual([2]);
  });

  it('a host whose agent stops answering mid-event fails within the heartbeat timeout', async () => {
    fleet.behaviour.set(host(1), { deadAt: 'BeforeInstall' });
    const { summary } = await run(input({ targetHosts: hosts(1), agentTimeouts: { heartbeatSeconds: 2 } }));
    expect(summary.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    expect(summary.targets[0]?.failedEvent).toMatchObject({ lifecycleEventName: 'BeforeInstall' });
    expect(summary.targets[0]?.failedEvent?.diagnostics.message).toMatch(/stopped responding.*heartbeat timeout/);
  });
});
