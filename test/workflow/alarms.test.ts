import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmConfiguration, DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { createDeploymentGroup, createGroupDeployment } from '../../workers/deployment-groups.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { motoEnv, startController, uniqueName, type Harness } from '../support/harness.js';

describe('workflows/deployment: CloudWatch alarms (moto)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const env = motoEnv();
  const cloudwatch = new CloudWatchClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const prefix = uniqueName('alarms');
  const host = (n: number): string => `${prefix}-h${n}`;
  const alarm = `${prefix}-errors`;

  beforeAll(async () => {
    harness = await startController(uniqueName('alarms'));
    fleet = await startFakeFleet(harness, [host(1), host(2)]);
    await cloudwatch.send(
      new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'Errors', Namespace: 'Gantry/Test', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
    );
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
    cloudwatch.destroy();
  });

  const setAlarm = (state: 'OK' | 'ALARM') => cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: state, StateReason: `test sets ${state}` }));
  const watch = (extra: Partial<AlarmConfiguration> = {}): AlarmConfiguration => ({ enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1, ...extra });
  const ended = async (id: string): Promise<DeploymentSummary> => {
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeploymentSummary(harness.client, id);
  };
  const run = async (alarmConfiguration: AlarmConfiguration) =>
    ended(
      await startDeployment(
        harness.client,
        { applicationName: 'alarm-app', deploymentGroupName: prefix, revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: [host(1), host(2)], alarmConfiguration },
        { taskQueue: harness.taskQueue },
      ),
    );

  it('an alarm going into ALARM mid-deployment stops it (ALARM_ACTIVE) and cancels the hook in flight', async () => {
    await setAlarm('OK');
    fleet.behaviour.set(host(1), { slowAt: 'AfterInstall' });
    const id = await startDeployment(
      harness.client,
      { applicationName: 'alarm-app', deploymentGroupName: prefix, revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: [host(1), host(2)], alarmConfiguration: watch() },
      { taskQueue: harness.taskQueue },
    );
    for (let i = 0; i < 100 && !fleet.calls.includes(`${host(1)}:AfterInstall`); i += 1) await new Promise((r) => setTimeout(r, 100));
    await setAlarm('ALARM');
    const summary = await ended(id);
    expect(summary.status).toBe('Stopped');
    expect(summary.errorInformation).toMatchObject({ code: 'ALARM_ACTIVE' });
    expect(summary.errorInformation?.message).toContain(`alarm ${alarm} is in ALARM`);
    expect(fleet.cancelledEvents).toContain(`${host(1)}:AfterInstall`);
    expect(summary.targets.map((t) => t.status)).toEqual(['Failed', 'Skipped']);
    fleet.behaviour.clear();
  });

  it('an alarm already in ALARM stops the deployment before any host starts', async () => {
    await setAlarm('ALARM');
    fleet.reset();
    const summary = await run(watch());
    expect(summary).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    expect(fleet.calls).toEqual([]);
    await setAlarm('OK');
  });

  it('ignorePollAlarmFailure decides what an alarm that cannot be read does', async () => {
    const missing = { alarms: [{ name: `${prefix}-no-such-alarm` }] };
    const strict = await run(watch(missing));
    expect(strict).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    expect(strict.errorInformation?.message).toMatch(/no-such-alarm does not exist \(ignorePollAlarmFailure is false\)/);
    const lenient = await run(watch({ ...missing, ignorePollAlarmFailure: true }));
    expect(lenient.status).toBe('Succeeded');
  });

  it('a group with DEPLOYMENT_STOP_ON_ALARM rolls back when an alarm stops its deployment', async () => {
    await setAlarm('OK');
    const group = {
      applicationName: 'alarm-app',
      deploymentGroupName: `${prefix}-g`,
      targetHosts: [host(1), host(2)],
      alarmConfiguration: watch(),
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM' as const] },
    };
    await createDeploymentGroup(harness.client, group, harness.taskQueue);
    const good = await createGroupDeployment(harness.client, group, { revision: { revisionType: 'Local', local: { path: '/srv/alarm-1' } } }, harness.taskQueue);
    expect((await ended(good.deploymentId)).status).toBe('Succeeded');
    fleet.behaviour.set(host(1), { slowAt: 'ApplicationStart', onlyRevision: '/srv/alarm-2' });
    const bad = await createGroupDeployment(harness.client, group, { revision: { revisionType: 'Local', local: { path: '/srv/alarm-2' } } }, harness.taskQueue);
    for (let i = 0; i < 100 && !fleet.calls.includes(`${host(1)}:ApplicationStart`); i += 1) await new Promise((r) => setTimeout(r, 100));
    await setAlarm('ALARM');
    const stopped = await ended(bad.deploymentId);
    expect(stopped).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    expect(stopped.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    await setAlarm('OK');
    const rollback = await ended(stopped.rollbackInfo?.rollbackDeploymentId as string);
    expect(rollback).toMatchObject({ creator: 'codeDeployRollback', revision: { local: { path: '/srv/alarm-1' } } });
    fleet.behaviour.clear();
  });
});
