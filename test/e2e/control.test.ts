import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import type { DeploymentGroupView } from '../../workflows/contracts/deployment-group.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { connectedGantry, processRunning } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

/** Queueing, stop without rollback, manual rollback, alarm rollback and new-host catch-up with real agents. */
describe('e2e: control of a deployment group (real agents, moto CloudWatch)', () => {
  let harness: Harness;
  const agents: AgentProcess[] = [];
  const name = uniqueName('control');
  const app = `gantry-e2e-${name}`;
  const base = scratchDir('e2e-control');
  const marker = join(base, 'fail-at');
  const hosts = [`${name}-h1`, `${name}-h2`, `${name}-h3`];
  const { address, namespace } = stackAddress();
  const group = ['--application-name', 'control-app', '--deployment-group-name', name];
  const alarm = `${name}-latency`;
  const env = motoEnv();
  const cloudwatch = new CloudWatchClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });
  const start = async (version: string): Promise<{ deploymentId: string; status?: string }> => (await cli(['create-deployment', ...group, '--local-location', `path=${join(base, version)}`])).json;
  const wait = async (deploymentId: string): Promise<DeploymentView> => {
    for (;;) {
      const view = (await cli(['get-deployment', '--deployment-id', deploymentId])).json?.deploymentInfo as DeploymentView | undefined;
      if (view && ['Succeeded', 'Failed', 'Stopped'].includes(view.status)) {
        await harness.client.workflow.getHandle(deploymentId).result().catch(() => undefined);
        return (await cli(['get-deployment', '--deployment-id', deploymentId])).json.deploymentInfo as DeploymentView;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const installed = (hostId: string): string => readFileSync(hostLayerPath(join(base, 'hosts', hostId), '/srv', app, 'version.txt'), 'utf8');
  const groupView = async (): Promise<DeploymentGroupView> => (await cli(['get-deployment-group', ...group])).json.deploymentGroupInfo;
  /** Waits until a hook is sleeping for `seconds` (the marker's value). */
  const hookSleeping = async (seconds: string): Promise<void> => {
    for (let i = 0; i < 150 && !processRunning(`sleep ${seconds}`); i += 1) await new Promise((r) => setTimeout(r, 200));
    expect(processRunning(`sleep ${seconds}`)).toBe(true);
  };

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e control'));
    for (const version of ['v1', 'v2', 'v3', 'v4']) writeProbeRevision(join(base, version), app, marker, '', { 'version.txt': version });
    agents.push(...startHosts(hosts.slice(0, 2), join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, tags: { team: name } }));
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'Latency', Namespace: 'Gantry/E2E', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
    const created = await cli([
      'create-deployment-group', ...group, '--tag-filters', `Key=team,Value=${name},Type=KEY_AND_VALUE`, '--deployment-config-name', 'AllAtOnce',
      '--alarm-configuration', JSON.stringify({ enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 }),
      '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_STOP_ON_ALARM',
    ]);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
    cloudwatch.destroy();
  });

  it('queues a second deployment behind the first; stop without rollback leaves the hosts as they are', async () => {
    const first = await start('v1');
    expect((await wait(first.deploymentId)).status).toBe('Succeeded');
    writeFileSync(`${marker}.slow`, '311.4242');
    try {
      const slow = await start('v2');
      const queued = await start('v3');
      expect(queued.status).toBe('Queued');
      expect((await cli(['get-deployment', '--deployment-id', queued.deploymentId])).json.deploymentInfo.status).toBe('Queued');
      await hookSleeping('311.4242');
      rmSync(`${marker}.slow`);
      const stopped = await cli(['stop-deployment', '--deployment-id', slow.deploymentId]);
      expect(stopped.json).toMatchObject({ status: 'Succeeded' });
      expect(processRunning('sleep 311.4242')).toBe(false);
      const view = await wait(slow.deploymentId);
      expect(view).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
      expect(view.rollbackInfo).toBeUndefined(); // DEPLOYMENT_STOP_ON_REQUEST is not configured
      expect((await wait(queued.deploymentId)).status).toBe('Succeeded');
      expect(hosts.slice(0, 2).map(installed)).toEqual(['v3', 'v3']);
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
  });

  it('rolls back by hand to a named earlier deployment', async () => {
    const history = (await groupView()).history;
    const v1 = history.find((r) => r.status === 'Succeeded' && r.revision.revisionType === 'Local' && r.revision.local.path.endsWith('/v1'));
    const result = await cli(['rollback', ...group, '--to-deployment-id', v1?.deploymentId as string, '--wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.deploymentInfo).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback' });
    expect(hosts.slice(0, 2).map(installed)).toEqual(['v1', 'v1']);
  });

  it('an alarm in ALARM stops the deployment and rolls back (DEPLOYMENT_STOP_ON_ALARM)', async () => {
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'e2e' }));
    const good = await start('v2');
    expect((await wait(good.deploymentId)).status).toBe('Succeeded');
    writeFileSync(`${marker}.slow`, '312.4242');
    try {
      const watched = await start('v4');
      await hookSleeping('312.4242');
      rmSync(`${marker}.slow`); // the hook already sleeps; the rollback's will not
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'latency too high' }));
      const view = await wait(watched.deploymentId);
      expect(view).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
      expect(processRunning('sleep 312.4242')).toBe(false);
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'recovered' }));
      const rollback = await wait(view.rollbackInfo?.rollbackDeploymentId as string);
      expect(rollback).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback' });
      expect(hosts.slice(0, 2).map(installed)).toEqual(['v2', 'v2']);
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
  });

  it('a new host whose agent starts with matching tags gets the current revision', async () => {
    agents.push(...startHosts([hosts[2] as string], join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, tags: { team: name } }));
    for (let i = 0; i < 150; i += 1) {
      const catchUp = (await groupView()).history.find((r) => r.creator === 'autoscaling' && r.status === 'Succeeded');
      if (catchUp) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(installed(hosts[2] as string)).toBe('v2');
  });
});
