import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentGroupConfig, DeploymentGroupView, GroupDeploymentRecord } from '../../workflows/contracts/deployment-group.js';
import { createDeploymentGroup, createGroupDeployment, getDeploymentGroup } from '../../workers/deployment-groups.js';
import { getDeploymentSummary, stopDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

const revision = (n: number) => ({ revisionType: 'Local' as const, local: { path: `/srv/join-rev-${n}` } });

describe('workflows/deploymentGroup: new hosts get the current revision (fake hosts)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('join');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('new hosts'));
    fleet = await startFakeFleet(harness, [1, 2, 3, 4, 5, 6].map(host));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const register = (n: number, role: string) => fleet.register([{ hostId: host(n), tags: { role }, zone: null }]);
  const groupView = (config: DeploymentGroupConfig) => getDeploymentGroup(harness.client, config.applicationName, config.deploymentGroupName, harness.taskQueue);
  const until = async (config: DeploymentGroupConfig, check: (view: DeploymentGroupView) => boolean): Promise<DeploymentGroupView> => {
    for (let i = 0; i < 150; i += 1) {
      const view = await groupView(config);
      if (check(view)) return view;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`group never reached the expected state: ${JSON.stringify(await groupView(config))}`);
  };
  const catchUps = (view: DeploymentGroupView): GroupDeploymentRecord[] => view.history.filter((r) => r.creator === 'autoscaling');

  async function setUp(role: string, strategy: 'UPDATE' | 'IGNORE'): Promise<DeploymentGroupConfig> {
    const config: DeploymentGroupConfig = {
      applicationName: 'join-app',
      deploymentGroupName: `${prefix}-${role}`,
      tagFilters: [{ Key: 'role', Value: `${prefix}-${role}`, Type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'AllAtOnce',
      outdatedInstancesStrategy: strategy,
    };
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    return config;
  }

  it('deploys the last successful revision to a host that registers with matching tags', async () => {
    const config = await setUp('web', 'UPDATE');
    await register(1, `${prefix}-web`);
    const first = await createGroupDeployment(harness.client, config, { revision: revision(1) }, harness.taskQueue);
    await until(config, (v) => v.lastSuccessfulDeployment?.deploymentId === first.deploymentId);

    await register(2, `${prefix}-web`);
    await register(3, `${prefix}-other`); // not selected: never deployed
    const view = await until(config, (v) => catchUps(v).some((r) => r.status === 'Succeeded'));
    const [catchUp] = catchUps(view);
    const summary = await getDeploymentSummary(harness.client, catchUp?.deploymentId as string);
    expect(summary).toMatchObject({ creator: 'autoscaling', revision: revision(1), status: 'Succeeded' });
    expect(summary.targets.map((t) => `${t.targetId}:${t.status}`)).toEqual([`${host(2)}:Succeeded`]);
    expect(fleet.calls.some((c) => c.startsWith(`${host(3)}:`))).toBe(false);

    // An agent that restarts already up to date causes nothing.
    await register(2, `${prefix}-web`);
    await new Promise((r) => setTimeout(r, 3000));
    expect(catchUps(await groupView(config))).toHaveLength(1);
  });

  it('brings a host that joins during a deployment up to date afterwards, unless the strategy is IGNORE', async () => {
    for (const [role, strategy, joiner] of [['api', 'UPDATE', 5], ['batch', 'IGNORE', 6]] as const) {
      const config = await setUp(role, strategy);
      await register(4, `${prefix}-${role}`);
      const first = await createGroupDeployment(harness.client, config, { revision: revision(1) }, harness.taskQueue);
      await until(config, (v) => v.lastSuccessfulDeployment?.deploymentId === first.deploymentId);

      fleet.behaviour.set(host(4), { slowAt: 'BeforeInstall', onlyRevision: revision(2).local.path });
      const second = await createGroupDeployment(harness.client, config, { revision: revision(2) }, harness.taskQueue);
      for (let i = 0; i < 100 && !fleet.calls.includes(`${host(4)}:BeforeInstall`); i += 1) await new Promise((r) => setTimeout(r, 100));
      await register(joiner, `${prefix}-${role}`);
      await new Promise((r) => setTimeout(r, 500));
      await stopDeployment(harness.client, second.deploymentId);
      fleet.behaviour.clear();

      if (strategy === 'UPDATE') {
        const view = await until(config, (v) => catchUps(v).some((r) => r.status === 'Succeeded'));
        const summary = await getDeploymentSummary(harness.client, catchUps(view)[0]?.deploymentId as string);
        expect(summary.targets.map((t) => t.targetId)).toEqual([host(joiner)]);
        expect(summary.revision).toEqual(revision(1)); // the stopped deployment never became the group's revision
      } else {
        await new Promise((r) => setTimeout(r, 3000));
        expect(catchUps(await groupView(config))).toEqual([]);
      }
      fleet.reset();
    }
  });
});
