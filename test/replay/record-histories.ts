/**
 * Records histories of real runs of Gantry's workflows on the dev server (fake hosts and a scripted
 * load balancer stand in for agents and ELBv2) into test/replay/histories/, for replay.test.ts.
 * Run with `npm run record-histories` only when a workflow change is meant to differ (behind
 * `patched()`), with GANTRY_HISTORY_PREFIX set so the old histories stay: they are what deployments
 * in flight look like.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentGroup, createGroupDeployment } from '../../workers/deployment-groups.js';
import { continueDeployment, createDeploymentConfig, getDeploymentSummary, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { waitUntil } from '../../workers/processes.js';
import type { DeploymentInput, DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { applicationsWorkflowId, deploymentConfigsWorkflowId, deploymentGroupWorkflowId, hostRegistryWorkflowId, hostWorkflowId } from '../../workflows/contracts/naming.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { fakeListeners, fakeRouter } from '../support/fake-router.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';
import { aliasRouting, createFunction, createLambdaRole, motoLambda } from '../support/moto-lambda.js';
import { putLifecycleEventHookExecutionStatus } from '../../workers/deployments.js';

const OUT = join(import.meta.dirname, 'histories');
/** Names this recording's files apart from earlier ones, which stay (GANTRY_HISTORY_PREFIX=v2- …). */
const PREFIX = process.env.GANTRY_HISTORY_PREFIX ?? '';

describe('record workflow histories for replay', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const prefix = uniqueName('replay');
  const host = (n: number): string => `${prefix}-h${n}`;
  const lb = fakeRouter();
  const listeners = fakeListeners();

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    harness = await startController(uniqueName('record histories'), { trafficRouter: lb.router, listenerRouter: listeners.router, trafficPollMs: 50 });
    fleet = await startFakeFleet(harness, [host(1), host(2), host(3), host(4)], 5);
    await fleet.register([1, 2, 3, 4].map((n) => ({ hostId: host(n), tags: { role: 'web' }, zone: null, loadBalancerTarget: { id: `10.0.1.${n}`, port: 80 } })));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const save = async (name: string, workflowId: string): Promise<void> => {
    const handle = harness.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    // protobufjs's own JSON form (enums by name, 64-bit numbers as strings): History.fromObject reads it back.
    const history = temporal.api.history.v1.History.fromObject(await handle.fetchHistory()).toJSON();
    writeFileSync(join(OUT, `${PREFIX}${name}.json`), `${JSON.stringify({ workflowId, workflowType: description.type, history })}\n`);
  };
  const input = (n: number, extra: Partial<DeploymentInput> = {}): DeploymentInput => ({
    applicationName: 'replay-app',
    deploymentGroupName: prefix,
    revision: { revisionType: 'Local', local: { path: `/srv/replay-${n}` } },
    tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
    deploymentConfigName: 'OneAtATime',
    ...extra,
  });
  const ended = async (id: string): Promise<DeploymentSummary> => {
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeploymentSummary(harness.client, id);
  };

  it('in place: succeeded, failed, stopped, with traffic control, with a custom configuration', async () => {
    const ok = await startDeployment(harness.client, input(1), { taskQueue: harness.taskQueue });
    expect((await ended(ok)).status).toBe('Succeeded');
    await save('in-place-succeeded', ok);
    await save('host-deployment-succeeded', hostWorkflowId(ok, host(1)));

    fleet.behaviour.set(host(1), { failAt: 'AfterInstall' });
    const failed = await startDeployment(harness.client, input(2), { taskQueue: harness.taskQueue });
    expect((await ended(failed)).status).toBe('Failed');
    await save('in-place-failed', failed);
    await save('host-deployment-failed', hostWorkflowId(failed, host(1)));

    fleet.behaviour.set(host(1), { slowAt: 'ApplicationStart' });
    const stopped = await startDeployment(harness.client, input(3), { taskQueue: harness.taskQueue });
    await waitUntil('a host to be in flight', async () => (await getDeploymentSummary(harness.client, stopped)).targets.some((t) => t.status === 'InProgress'), 30_000);
    await stopDeployment(harness.client, stopped);
    expect((await ended(stopped)).status).toBe('Stopped');
    await save('in-place-stopped', stopped);
    fleet.behaviour.clear();

    const traffic = await startDeployment(harness.client, input(4, { loadBalancerInfo: { targetGroupInfoList: [{ name: 'web' }], trafficTimeoutSeconds: 5 } }), { taskQueue: harness.taskQueue });
    expect((await ended(traffic)).status).toBe('Succeeded');
    await save('in-place-traffic-control', traffic);
    await save('host-deployment-traffic-control', hostWorkflowId(traffic, host(1)));

    await createDeploymentConfig(harness.client, { deploymentConfigName: `${prefix}-two`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }, harness.taskQueue);
    const custom = await startDeployment(harness.client, input(5, { deploymentConfigName: `${prefix}-two` }), { taskQueue: harness.taskQueue });
    expect((await ended(custom)).status).toBe('Succeeded');
    await save('in-place-custom-config', custom);
    await save('deployment-configs', deploymentConfigsWorkflowId(harness.taskQueue));
  });

  it('in place: hooks without scripts answered by the controller', async () => {
    fleet.behaviour.set(host(1), { scriptedEvents: ['AfterInstall'] });
    const id = await startDeployment(harness.client, input(6), { taskQueue: harness.taskQueue });
    expect((await ended(id)).status).toBe('Succeeded');
    fleet.behaviour.clear();
    await save('in-place-scriptless-hooks', id);
    await save('host-deployment-scriptless-hooks', hostWorkflowId(id, host(1)));
  });

  it('a group: queued deployments, a failure rolled back automatically, and the registry', async () => {
    const config = { applicationName: 'replay-app', deploymentGroupName: `${prefix}-group`, targetHosts: [host(1), host(2)], deploymentConfigName: 'HalfAtATime', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE' as const] } };
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    const { deploymentId: first } = await createGroupDeployment(harness.client, config, { revision: { revisionType: 'Local', local: { path: '/srv/replay-group-1' } } }, harness.taskQueue);
    const { deploymentId: queued } = await createGroupDeployment(harness.client, config, { revision: { revisionType: 'Local', local: { path: '/srv/replay-group-2' } } }, harness.taskQueue);
    expect((await ended(first)).status).toBe('Succeeded');
    expect((await ended(queued)).status).toBe('Succeeded');
    for (const n of [1, 2]) fleet.behaviour.set(host(n), { failAt: 'ValidateService', onlyRevision: '/srv/replay-group-3' });
    const { deploymentId: failing } = await createGroupDeployment(harness.client, config, { revision: { revisionType: 'Local', local: { path: '/srv/replay-group-3' } } }, harness.taskQueue);
    const summary = await ended(failing);
    expect(summary.status).toBe('Failed');
    const rollback = summary.rollbackInfo?.rollbackDeploymentId as string;
    expect((await ended(rollback)).status).toBe('Succeeded');
    await save('group-queued-deployment', queued);
    await save('group-failed-deployment', failing);
    await save('group-rollback-deployment', rollback);
    await save('deployment-group', deploymentGroupWorkflowId(config.applicationName, config.deploymentGroupName, harness.taskQueue));
    await save('host-registry', hostRegistryWorkflowId(harness.taskQueue));
  });

  it('blue/green: registration with a Ready wait, a weighted shift, and a rollback through a group', async () => {
    const style = { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' } as const;
    const registration = await startDeployment(
      harness.client,
      input(6, { targetHosts: [host(1)], tagFilters: undefined, targetInstances: { targetHosts: [host(2)] }, deploymentStyle: style, loadBalancerInfo: { targetGroupInfoList: [{ name: 'web' }], trafficTimeoutSeconds: 5 },
        blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } } }),
      { taskQueue: harness.taskQueue },
    );
    await waitUntil('the Ready wait', async () => (await getDeploymentSummary(harness.client, registration)).status === 'Ready', 30_000);
    await continueDeployment(harness.client, registration, 'READY_WAIT');
    await waitUntil('the termination wait', async () => (await getDeploymentSummary(harness.client, registration)).currentStep?.detail === 'TERMINATION_WAIT', 30_000);
    await continueDeployment(harness.client, registration, 'TERMINATION_WAIT');
    expect((await ended(registration)).status).toBe('Succeeded');
    await save('blue-green-registration', registration);
    await save('host-deployment-blue-green-allow', `${hostWorkflowId(registration, host(2))}/allow-traffic`);

    const listenerArn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/${prefix}/lb/1`;
    listeners.forwarding.set(listenerArn, [{ targetGroupArn: 'arn:tg/web-a', weight: 1 }]);
    const pair = { targetGroupPairInfoList: [{ targetGroups: [{ name: 'web-a' }, { name: 'web-b' }], prodTrafficRoute: { listenerArns: [listenerArn] } }], trafficTimeoutSeconds: 5 };
    const group = { applicationName: 'replay-app', deploymentGroupName: `${prefix}-bg`, targetHosts: [host(3)], deploymentConfigName: 'AllAtOnce', deploymentStyle: style, loadBalancerInfo: pair,
      blueGreenDeploymentConfiguration: { trafficRoutingConfig: { type: 'TimeBasedLinear' as const, timeBasedLinear: { linearPercentage: 50, linearInterval: 1 / 60 } } },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE' as const] } };
    await createDeploymentGroup(harness.client, group, harness.taskQueue);
    fleet.behaviour.set(host(4), { failAt: 'AfterAllowTraffic' });
    const { deploymentId: shifted } = await createGroupDeployment(harness.client, group, { revision: { revisionType: 'Local', local: { path: '/srv/replay-bg-1' } }, targetInstances: { targetHosts: [host(4)] } }, harness.taskQueue);
    const summary = await ended(shifted);
    expect(summary.status).toBe('Failed');
    const rollback = summary.rollbackInfo?.rollbackDeploymentId as string;
    expect((await ended(rollback)).status).toBe('Succeeded');
    fleet.behaviour.clear();
    await save('blue-green-weighted-failed', shifted);
    await save('blue-green-rollback', rollback);
    await save('blue-green-group', deploymentGroupWorkflowId(group.applicationName, group.deploymentGroupName, harness.taskQueue));
  });

  it('Lambda: a canary between validation functions, the last failing (the alias put back), and a group deployment', async () => {
    const lambda = motoLambda();
    const role = await createLambdaRole(`replay-${prefix}`.slice(0, 60));
    const fn = `replay-${prefix}`;
    await createFunction(lambda, role, fn, { versions: 2, alias: 'live' });
    await createFunction(lambda, role, `${fn}-check`);
    const appSpec = `version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {Name: ${fn}, Alias: live, CurrentVersion: 1, TargetVersion: 2}\nHooks:\n  - BeforeAllowTraffic: ${fn}-check\n  - AfterAllowTraffic: ${fn}-check\n`;
    const config = { deploymentConfigName: `${prefix}-canary`, computePlatform: 'Lambda' as const, trafficRoutingConfig: { type: 'TimeBasedCanary' as const, timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 / 60 } } };
    const hooked = await startDeployment(harness.client, { applicationName: 'replay-app', deploymentGroupName: `${prefix}-lambda`, computePlatform: 'Lambda', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } }, deploymentConfig: config }, { taskQueue: harness.taskQueue });
    for (const [event, status] of [['BeforeAllowTraffic', 'Succeeded'], ['AfterAllowTraffic', 'Failed']] as const) {
      let execution = '';
      await waitUntil(`${event} to be invoked`, async () => Boolean((execution = (await getDeploymentSummary(harness.client, hooked)).lambda?.hooks.find((h) => h.lifecycleEventName === event && h.status === 'InProgress')?.lifecycleEventHookExecutionId ?? '')), 30_000);
      await putLifecycleEventHookExecutionStatus(harness.client, hooked, { lifecycleEventHookExecutionId: execution, status });
    }
    expect((await ended(hooked)).status).toBe('Failed');
    expect(await aliasRouting(lambda, fn, 'live')).toBe('1');
    await save('lambda-hook-failed', hooked);

    const group = { applicationName: 'replay-app', deploymentGroupName: `${prefix}-lambda-group`, computePlatform: 'Lambda' as const, deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' };
    await createDeploymentGroup(harness.client, group, harness.taskQueue);
    const plain = appSpec.slice(0, appSpec.indexOf('Hooks:'));
    const { deploymentId } = await createGroupDeployment(harness.client, group, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: plain } } }, harness.taskQueue);
    expect((await ended(deploymentId)).status).toBe('Succeeded');
    expect(await aliasRouting(lambda, fn, 'live')).toBe('2');
    await save('lambda-group-deployment', deploymentId);
    await save('lambda-group', deploymentGroupWorkflowId(group.applicationName, group.deploymentGroupName, harness.taskQueue));
    await save('applications', applicationsWorkflowId(harness.taskQueue));
  });
});
