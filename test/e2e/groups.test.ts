import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import type { DeploymentGroupView } from '../../workflows/contracts/deployment-group.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { connectedGantry, processRunning } from '../support/cli.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

describe('e2e: deployment groups, stop and rollback through the CLI (real agents)', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const events = (deploymentId: string): string[] => receiver.received.filter((r) => r.body.deploymentId === deploymentId).map((r) => r.event);
  const name = uniqueName('groups');
  const app = `gantry-e2e-${name}`;
  const base = scratchDir('e2e-groups');
  const marker = join(base, 'fail-at');
  const hosts = [`${name}-h1`, `${name}-h2`];
  const { address, namespace } = stackAddress();
  const group = ['--application-name', 'groups-app', '--deployment-group-name', name];

  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });
  const deploy = async (version: string) => {
    const result = await cli(['create-deployment', ...group, '--local-location', `path=${join(base, version)}`, '--wait']);
    return { code: result.code, stderr: result.stderr, view: result.json?.deploymentInfo as DeploymentView };
  };
  const installed = (hostId: string): string => readFileSync(hostLayerPath(join(base, 'hosts', hostId), '/srv', app, 'version.txt'), 'utf8');

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e groups'));
    receiver = await startWebhookReceiver();
    for (const version of ['v1', 'v2', 'v3']) writeProbeRevision(join(base, version), app, marker, '', { 'version.txt': version });
    agents = startHosts(hosts, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, tags: { team: name } });
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
    await receiver?.close();
  });

  it('creates a group selecting hosts by tag, with automatic rollback on failure', async () => {
    const created = await cli(['create-deployment-group', ...group, '--tag-filters', `Key=team,Value=${name},Type=KEY_AND_VALUE`, '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_FAILURE|DEPLOYMENT_STOP_ON_REQUEST', '--deployment-config-name', 'AllAtOnce',
      '--trigger-configurations', JSON.stringify([{ triggerName: 'ops', triggerTargetUrl: receiver.url, triggerEvents: ['DeploymentStart', 'DeploymentSuccess', 'DeploymentFailure', 'DeploymentStop', 'DeploymentRollback', 'InstanceFailure'] }])]);
    expect(created.code, created.stderr).toBe(0);
    const again = await cli(['create-deployment-group', ...group, '--target-hosts', hosts[0] as string]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const listed = await cli(['list-deployment-groups', '--application-name', 'groups-app']);
    expect(listed.json.deploymentGroups).toContain(`groups-app/${name}`);
    // update-deployment-group changes only the flags given.
    const updated = await cli(['update-deployment-group', ...group, '--concurrent-deployments', 'REFUSE']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json.deploymentGroupInfo.config).toMatchObject({ concurrentDeployments: 'REFUSE', deploymentConfigName: 'AllAtOnce', tagFilters: [{ Key: 'team', Value: name }] });
    const bad = await cli(['update-deployment-group', ...group, '--concurrent-deployments', 'SOMETIMES']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/concurrentDeployments must be QUEUE or REFUSE; got "SOMETIMES"/);
  });

  it('deploys through the group, then a failing revision rolls back automatically to the last good one', async () => {
    const good = await deploy('v1');
    expect(good.code, good.stderr).toBe(0);
    expect(hosts.map(installed)).toEqual(['v1', 'v1']);

    writeFileSync(marker, 'ValidateService');
    try {
      const bad = await deploy('v2');
      expect(bad.code).toBe(1);
      expect(bad.view.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
      const rollbackId = bad.view.rollbackInfo?.rollbackDeploymentId as string;
      rmSync(marker);
      const rollback = await cli(['get-deployment', '--deployment-id', rollbackId]);
      for (let i = 0; i < 100 && rollback.json?.deploymentInfo?.status !== 'Succeeded'; i += 1) {
        Object.assign(rollback, await cli(['get-deployment', '--deployment-id', rollbackId]));
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(rollback.json.deploymentInfo).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: bad.view.deploymentId } });
      expect(hosts.map(installed)).toEqual(['v1', 'v1']);
      // Webhooks: the failed deployment announced its failure, each host's failure and its rollback.
      expect(events(bad.view.deploymentId).sort()).toEqual(['DeploymentFailure', 'DeploymentRollback', 'DeploymentStart', 'InstanceFailure', 'InstanceFailure']);
      expect(events(rollbackId).sort()).toEqual(['DeploymentStart', 'DeploymentSuccess']);
      const failure = receiver.received.find((r) => r.body.deploymentId === bad.view.deploymentId && r.event === 'DeploymentFailure')?.body;
      expect(failure).toMatchObject({ eventTriggerName: 'ops', applicationName: 'groups-app', deploymentGroupName: name, status: 'FAILED', errorInformation: { ErrorCode: 'HEALTH_CONSTRAINTS' } });
    } finally {
      rmSync(marker, { force: true });
    }
    const view = (await cli(['get-deployment-group', ...group])).json.deploymentGroupInfo as DeploymentGroupView;
    expect(view.history.map((r) => `${r.creator}:${r.status}`)).toEqual(['codeDeployRollback:Succeeded', 'user:Failed', 'user:Succeeded']);
    expect(view.lastSuccessfulDeployment?.creator).toBe('codeDeployRollback');
  });

  it('stop-deployment kills the hooks in flight, ends Stopped (MANUAL_STOP), and rolls back as configured', async () => {
    const sleeper = `${Math.floor(Math.random() * 900) + 100}.4242`;
    writeFileSync(`${marker}.slow`, sleeper);
    try {
      const started = await cli(['create-deployment', ...group, '--local-location', `path=${join(base, 'v3')}`]);
      const deploymentId = started.json.deploymentId as string;
      for (let i = 0; i < 150 && !processRunning(`sleep ${sleeper}`); i += 1) await new Promise((r) => setTimeout(r, 200));
      expect(processRunning(`sleep ${sleeper}`)).toBe(true);
      const stopped = await cli(['stop-deployment', '--deployment-id', deploymentId]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.json).toMatchObject({ status: 'Succeeded' });
      expect(processRunning(`sleep ${sleeper}`)).toBe(false);
      const view = (await cli(['get-deployment', '--deployment-id', deploymentId])).json.deploymentInfo as DeploymentView;
      expect(view).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
      expect(view.targets.every((t) => t.lifecycleEvents.find((e) => e.lifecycleEventName === 'ApplicationStart')?.status === 'Failed')).toBe(true);
      expect(view.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
      expect(events(deploymentId)).toContain('DeploymentStop');
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
    const manual = await cli(['rollback', ...group]);
    expect(manual.code).toBe(2);
    expect(manual.stderr).toMatch(/rollback refused: deployment d-\w+ is itself a rollback/);
  });
});
