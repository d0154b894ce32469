import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentGroupConfig, DeploymentGroupView } from '../../workflows/contracts/deployment-group.js';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { isTerminal } from '../../workflows/contracts/deployment.js';
import { createDeploymentGroup, createGroupDeployment, getDeploymentGroup, rollbackDeploymentGroup } from '../../workers/deployment-groups.js';
import { getDeploymentSummary, stopDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

const revision = (n: number) => ({ revisionType: 'Local' as const, local: { path: `/srv/group-rev-${n}` } });

describe('workflows/deploymentGroup: queueing, stop and rollback (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('group');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('deployment group'));
    fleet = await startFakeFleet(harness, [host(1), host(2)]);
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const group = (name: string, extra: Partial<DeploymentGroupConfig> = {}): DeploymentGroupConfig => ({
    applicationName: 'group-app',
    deploymentGroupName: `${prefix}-${name}`,
    targetHosts: [host(1), host(2)],
    deploymentConfigName: 'HalfAtATime',
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    ...extra,
  });
  const deploy = (config: DeploymentGroupConfig, n: number) => createGroupDeployment(harness.client, config, { revision: revision(n) }, harness.taskQueue);
  const ended = async (deploymentId: string): Promise<DeploymentSummary> => {
    await harness.client.workflow.getHandle(deploymentId).result().catch(() => undefined);
    const summary = await getDeploymentSummary(harness.client, deploymentId);
    expect(isTerminal(summary.status)).toBe(true);
    return summary;
  };
  const groupState = async (config: DeploymentGroupConfig, until: (view: DeploymentGroupView) => boolean): Promise<DeploymentGroupView> => {
    for (;;) {
      const view = await getDeploymentGroup(harness.client, config.applicationName, config.deploymentGroupName, harness.taskQueue);
      if (until(view)) return view;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('is created once, with its configuration checked; refuses rollbacks with nothing to go back to', async () => {
    const config = group('create');
    const view = await createDeploymentGroup(harness.client, config, harness.taskQueue);
    expect(view).toMatchObject({ config: { deploymentGroupName: config.deploymentGroupName }, queued: [], history: [] });
    await expect(createDeploymentGroup(harness.client, config, harness.taskQueue)).rejects.toThrow(/already exists/);
    await expect(createDeploymentGroup(harness.client, { ...group('bad'), outdatedInstancesStrategy: 'SOMETIMES' as never }, harness.taskQueue)).rejects.toThrow(
      /outdatedInstancesStrategy must be UPDATE or IGNORE; got "SOMETIMES"/,
    );
    await expect(rollbackDeploymentGroup(harness.client, config, {}, harness.taskQueue)).rejects.toThrow(/rollback refused: .* has no earlier successful deployment to roll back to/);
  });

  it('queues a second deployment (status Queued) until the first ends; REFUSE groups refuse it', async () => {
    const config = group('queue');
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    fleet.behaviour.set(host(1), { slowAt: 'BeforeInstall', onlyRevision: revision(1).local.path });
    const first = await deploy(config, 1);
    const second = await deploy(config, 2);
    expect(first.status).toBe('InProgress');
    expect(second.status).toBe('Queued');
    expect((await getDeploymentSummary(harness.client, second.deploymentId)).status).toBe('Queued');
    expect(await getDeploymentGroup(harness.client, config.applicationName, config.deploymentGroupName, harness.taskQueue)).toMatchObject({ inProgress: first.deploymentId, queued: [second.deploymentId] });

    await stopDeployment(harness.client, first.deploymentId);
    expect((await ended(first.deploymentId)).status).toBe('Stopped');
    expect((await ended(second.deploymentId)).status).toBe('Succeeded');
    const view = await groupState(config, (v) => v.lastSuccessfulDeployment?.deploymentId === second.deploymentId);
    expect(view.history.map((r) => `${r.deploymentId}:${r.status}`)).toEqual([`${second.deploymentId}:Succeeded`, `${first.deploymentId}:Stopped`]);
    expect(view.inProgress).toBeUndefined();

    const refusing = group('refuse', { concurrentDeployments: 'REFUSE' });
    await createDeploymentGroup(harness.client, refusing, harness.taskQueue);
    fleet.behaviour.set(host(1), { slowAt: 'BeforeInstall', onlyRevision: revision(3).local.path });
    const running = await deploy(refusing, 3);
    await expect(deploy(refusing, 4)).rejects.toThrow(new RegExp(`already has deployment ${running.deploymentId} in progress \\(concurrentDeployments REFUSE\\)`));
    await stopDeployment(harness.client, running.deploymentId);
    fleet.behaviour.clear();
  });

  it('rolls back automatically on failure to the last successful revision, linked both ways; never a rollback of a rollback', async () => {
    const config = group('auto');
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    const good = await deploy(config, 1);
    expect((await ended(good.deploymentId)).status).toBe('Succeeded');
    await groupState(config, (v) => v.lastSuccessfulDeployment?.deploymentId === good.deploymentId);

    fleet.behaviour.set(host(1), { failAt: 'AfterInstall', onlyRevision: revision(2).local.path });
    const bad = await deploy(config, 2);
    const failed = await ended(bad.deploymentId);
    expect(failed.status).toBe('Failed');
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId as string;
    expect(rollbackId).toMatch(/^d-/);
    expect(failed.rollbackInfo?.rollbackMessage).toMatch(new RegExp(`Automatic rollback after ${bad.deploymentId} failed \\(HEALTH_CONSTRAINTS\\)`));
    const rollback = await ended(rollbackId);
    expect(rollback).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback', revision: revision(1), rollbackInfo: { rollbackTriggeringDeploymentId: bad.deploymentId } });
    // Only the host the failed deployment left on another revision is redeployed.
    expect(rollback.targets.map((t) => `${t.targetId.slice(-2)}:${t.status}`)).toEqual(['h1:Succeeded', 'h2:Skipped']);

    await groupState(config, (v) => v.lastSuccessfulDeployment?.deploymentId === rollbackId);
    await expect(rollbackDeploymentGroup(harness.client, config, {}, harness.taskQueue)).rejects.toThrow(new RegExp(`deployment ${rollbackId} is itself a rollback; Gantry does not roll back a rollback`));
    fleet.behaviour.clear();
  });

  it('stop with rollback rolls back; a manual rollback goes to a named earlier deployment', async () => {
    const config = group('manual', { autoRollbackConfiguration: { enabled: false, events: [] } });
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    const first = await deploy(config, 1);
    await ended(first.deploymentId);
    const second = await deploy(config, 2);
    await ended(second.deploymentId);
    await groupState(config, (v) => v.lastSuccessfulDeployment?.deploymentId === second.deploymentId);

    const manual = await rollbackDeploymentGroup(harness.client, config, { toDeploymentId: first.deploymentId }, harness.taskQueue);
    const rolledBack = await ended(manual.deploymentId);
    expect(rolledBack).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback', revision: revision(1) });
    expect(rolledBack.targets.every((t) => t.status === 'Succeeded')).toBe(true);

    fleet.behaviour.set(host(1), { slowAt: 'ApplicationStart', onlyRevision: revision(3).local.path });
    const third = await deploy(config, 3);
    for (let i = 0; i < 100 && !fleet.calls.includes(`${host(1)}:ApplicationStart`); i += 1) await new Promise((r) => setTimeout(r, 100));
    await stopDeployment(harness.client, third.deploymentId, { autoRollback: true });
    const stopped = await ended(third.deploymentId);
    expect(stopped.status).toBe('Stopped');
    const rollback = await ended(stopped.rollbackInfo?.rollbackDeploymentId as string);
    expect(rollback).toMatchObject({ status: 'Succeeded', revision: revision(1), rollbackInfo: { rollbackTriggeringDeploymentId: third.deploymentId } });
    fleet.behaviour.clear();
  });
});
