import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlueGreenDeploymentConfiguration } from '../../workflows/contracts/blue-green.js';
import type { DeploymentInput, DeploymentSummary, DeploymentView } from '../../workflows/contracts/deployment.js';
import { continueDeployment, getDeployment, getDeploymentSummary, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { createDeploymentGroup, createGroupDeployment, getDeploymentGroup, rollbackDeploymentGroup } from '../../workers/deployment-groups.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { fakeListeners, fakeRouter } from '../support/fake-router.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { motoEnv, startController, uniqueName, type Harness } from '../support/harness.js';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';

/**
 * Blue/green on the engine, with scripted hosts and a scripted load balancer: every phase, each
 * traffic method, the waits, rollback and the planner's edge cases. Durations are seconds (fractions
 * of a minute), so nothing waits real minutes.
 */
describe('workflows/deployment: blue/green (fake hosts and load balancer)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const lb = fakeRouter();
  const listeners = fakeListeners();
  const prefix = uniqueName('bg');
  const host = (n: number): string => `${prefix}-h${n}`;
  const ip = (n: number): string => `10.9.0.${n}`;
  const HOSTS = 24;
  let nextListener = 0;

  beforeAll(async () => {
    harness = await startController(uniqueName('blue green'), { trafficRouter: lb.router, listenerRouter: listeners.router, trafficPollMs: 50 });
    const ids = Array.from({ length: HOSTS }, (_, i) => host(i + 1));
    fleet = await startFakeFleet(harness, ids, 5);
    await fleet.register(ids.map((hostId, i) => ({ hostId, tags: { fleet: `f${i + 1}` }, zone: null, loadBalancerTarget: { id: ip(i + 1), port: 80 } })));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  const bg = (config: BlueGreenDeploymentConfiguration = {}): Partial<DeploymentInput> => ({
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: config,
  });
  /** A fresh listener forwarding everything to `live`. */
  const listener = (live: string): string => {
    const arn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/${prefix}/lb/${(nextListener += 1)}`;
    listeners.forwarding.set(arn, [{ targetGroupArn: `arn:tg/${live}`, weight: 1 }]);
    return arn;
  };
  const pair = (arn: string, a: string, b: string): Partial<DeploymentInput> => ({
    loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: a }, { name: b }], prodTrafficRoute: { listenerArns: [arn] } }], trafficTimeoutSeconds: 1 },
  });
  const start = (blue: number[], green: number[], extra: Partial<DeploymentInput>): Promise<string> =>
    startDeployment(
      harness.client,
      {
        applicationName: 'bg-app',
        deploymentGroupName: prefix,
        revision: { revisionType: 'Local', local: { path: '/srv/v2' } },
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        targetHosts: blue.map(host),
        targetInstances: { targetHosts: green.map(host) },
        loadBalancerInfo: { targetGroupInfoList: [{ name: `${prefix}-tg` }], trafficTimeoutSeconds: 1 },
        ...extra,
      },
      { taskQueue: harness.taskQueue },
    );
  const ended = async (id: string): Promise<DeploymentView> => {
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeployment(harness.client, id);
  };
  const events = (view: DeploymentView, n: number): string[] => view.targets.find((t) => t.targetId === host(n))?.lifecycleEvents.map((e) => `${e.lifecycleEventName}:${e.status}`) ?? [];
  const summaryOf = (id: string): Promise<DeploymentSummary> => getDeploymentSummary(harness.client, id);
  const registered = (group: string, n: number): boolean => lb.calls.filter((c) => c.endsWith(` ${ip(n)}`) && c.includes(`arn:tg/${group} `)).at(-1)?.startsWith('register') ?? false;

  it('REGISTER_TARGETS: green installs, is registered, then blue is deregistered; events and fleets as CodeDeploy has them', async () => {
    const tg = `${prefix}-tg`;
    const view = await ended(await start([1, 2], [3, 4], bg()));
    expect(view.status).toBe('Succeeded');
    expect(view.targets.map((t) => `${t.targetId}:${t.instanceLabel}:${t.status}`).sort()).toEqual([`${host(1)}:Blue:Succeeded`, `${host(2)}:Blue:Succeeded`, `${host(3)}:Green:Succeeded`, `${host(4)}:Green:Succeeded`]);
    expect(events(view, 3)).toEqual([
      'ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded', 'AfterInstall:Succeeded', 'ApplicationStart:Succeeded', 'ValidateService:Succeeded',
      'BeforeAllowTraffic:Succeeded', 'AllowTraffic:Succeeded', 'AfterAllowTraffic:Succeeded',
    ]);
    expect(events(view, 1)).toEqual(['BeforeBlockTraffic:Succeeded', 'BlockTraffic:Succeeded', 'AfterBlockTraffic:Succeeded']);
    // Green is registered before any blue host leaves.
    const firstDeregister = lb.calls.findIndex((c) => c.startsWith(`deregister arn:tg/${tg}`));
    expect(lb.calls.slice(0, firstDeregister).filter((c) => c.startsWith('register')).sort()).toEqual([`register arn:tg/${tg} ${ip(3)}`, `register arn:tg/${tg} ${ip(4)}`]);
    expect([registered(tg, 1), registered(tg, 2), registered(tg, 3), registered(tg, 4)]).toEqual([false, false, true, true]);
    expect(view.blueGreen).toMatchObject({ trafficMethod: 'REGISTER_TARGETS', trafficRerouted: true, originalInstances: 'KEPT_ALIVE', instanceTerminationWaitTimeStarted: false });
    expect([...(view.blueGreen?.servingHosts ?? [])].sort()).toEqual([host(3), host(4)]);
  });

  it('LISTENER_SWITCH: green joins the idle group of the pair, the listener switches, blue leaves the old group', async () => {
    const arn = listener(`${prefix}-a`);
    const view = await ended(await start([5], [6], { ...bg(), ...pair(arn, `${prefix}-a`, `${prefix}-b`) }));
    expect(view.status).toBe('Succeeded');
    expect(listeners.shown(arn)).toBe(`${prefix}-b=1`);
    expect(registered(`${prefix}-b`, 6)).toBe(true);
    expect(lb.calls).toContain(`deregister arn:tg/${prefix}-a ${ip(5)}`);
    expect(events(view, 6).slice(-3)).toEqual(['BeforeAllowTraffic:Succeeded', 'AllowTraffic:Succeeded', 'AfterAllowTraffic:Succeeded']);
    expect(view.blueGreen?.listener).toEqual({ listenerArn: arn, before: [{ targetGroupName: `${prefix}-a`, weight: 1 }], current: [{ targetGroupName: `${prefix}-b`, weight: 1 }] });
    expect(view.blueGreen).toMatchObject({ trafficMethod: 'LISTENER_SWITCH', originalTargetGroups: [`${prefix}-a`], replacementTargetGroups: [`${prefix}-b`] });
  });

  it('WEIGHTED_SHIFT (linear): each step sets the weights, then bakes, then all traffic goes to green', async () => {
    const arn = listener(`${prefix}-c`);
    const before = listeners.changes.length;
    const id = await start([7], [8], { ...bg({ trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 40, linearInterval: 1 / 60 } } }), ...pair(arn, `${prefix}-c`, `${prefix}-d`) });
    await expect.poll(async () => (await summaryOf(id)).currentStep?.detail, { timeout: 20_000, interval: 100 }).toMatch(/^1s, 40% on/);
    expect(listeners.shown(arn)).toBe(`${prefix}-c=60,${prefix}-d=40`);
    const view = await ended(id);
    expect(view.status).toBe('Succeeded');
    expect(listeners.changes.slice(before)).toEqual([`${prefix}-c=60,${prefix}-d=40`, `${prefix}-c=20,${prefix}-d=80`, `${prefix}-d=1`]);
    // AfterAllowTraffic runs only once all traffic is on green.
    expect(events(view, 8).slice(-1)).toEqual(['AfterAllowTraffic:Succeeded']);
  });

  it('STOP_DEPLOYMENT: Ready until continue-deployment READY_WAIT, which nothing else satisfies', async () => {
    const id = await start([9], [10], bg({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } }));
    await expect.poll(async () => (await summaryOf(id)).status, { timeout: 20_000, interval: 100 }).toBe('Ready');
    const ready = await summaryOf(id);
    expect(ready.targets.find((t) => t.targetId === host(10))?.status).toBe('Ready');
    expect(ready.deploymentOverview.Ready).toBe(1);
    expect(registered(`${prefix}-tg`, 10)).toBe(false);
    await expect(continueDeployment(harness.client, id, 'TERMINATION_WAIT')).rejects.toThrow(/is in its READY_WAIT, not its TERMINATION_WAIT/);
    await continueDeployment(harness.client, id, 'READY_WAIT');
    const view = await ended(id);
    expect(view.status).toBe('Succeeded');
    expect(registered(`${prefix}-tg`, 10)).toBe(true);
    await expect(continueDeployment(harness.client, id, 'READY_WAIT')).rejects.toThrow(/has already completed/);
  });

  it('the Ready wait sends DeploymentReady and InstanceReady (for each green host) to the triggers', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const triggerConfigurations = [{ triggerName: 'ops', triggerTargetUrl: receiver.url, triggerEvents: ['DeploymentReady', 'InstanceReady', 'DeploymentSuccess'] }];
      const id = await start([9], [10], { ...bg({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } }), triggerConfigurations } as Partial<DeploymentInput>);
      await expect.poll(() => receiver.received.filter((r) => r.body.deploymentId === id).map((r) => r.event).sort(), { timeout: 20_000, interval: 100 }).toEqual(['DeploymentReady', 'InstanceReady']);
      const ready = receiver.received.find((r) => r.event === 'InstanceReady' && r.body.deploymentId === id);
      expect(ready?.body).toMatchObject({ instanceId: host(10), instanceStatus: 'Ready' });
      expect(receiver.received.find((r) => r.event === 'DeploymentReady' && r.body.deploymentId === id)?.body.status).toBe('READY');
      await continueDeployment(harness.client, id, 'READY_WAIT');
      await ended(id);
      await expect.poll(() => receiver.received.filter((r) => r.body.deploymentId === id).map((r) => r.event), { timeout: 20_000, interval: 100 }).toContain('DeploymentSuccess');
    } finally {
      await receiver.close();
    }
  });

  it('STOP_DEPLOYMENT: no continue within the wait ends the deployment Stopped, traffic untouched', async () => {
    const view = await ended(await start([11], [12], bg({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 2 / 60 } })));
    expect(view.status).toBe('Stopped');
    expect(view.errorInformation?.code).toBe('TIMEOUT');
    expect(view.errorInformation?.message).toMatch(/No continue-deployment --deployment-wait-type READY_WAIT came within 2s/);
    expect(registered(`${prefix}-tg`, 12)).toBe(false);
    expect(lb.calls.some((c) => c.endsWith(` ${ip(11)}`))).toBe(false);
  });

  it('TERMINATE: the termination wait is shown and continue-deployment TERMINATION_WAIT ends it', async () => {
    const id = await start([13], [14], bg({ terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } }));
    await expect.poll(async () => (await summaryOf(id)).currentStep?.kind, { timeout: 20_000, interval: 100 }).toBe('waitForContinue');
    expect((await summaryOf(id)).blueGreen?.instanceTerminationWaitTimeStarted).toBe(true);
    await expect(continueDeployment(harness.client, id, 'READY_WAIT')).rejects.toThrow(/is in its TERMINATION_WAIT, not its READY_WAIT/);
    await continueDeployment(harness.client, id, 'TERMINATION_WAIT');
    const view = await ended(id);
    expect(view.status).toBe('Succeeded');
    // Simulated hosts are not EC2 instances: nothing could be terminated, and the deployment says which.
    expect(view.blueGreen).toMatchObject({ originalInstances: 'TERMINATED', notTerminated: [host(13)] });
  });

  it('planner edge cases: an empty replacement fleet, a host in both fleets, green smaller than blue', async () => {
    const empty = await ended(await start([15], [], { ...bg(), targetInstances: { tagFilters: [{ Key: 'fleet', Value: 'nobody', Type: 'KEY_AND_VALUE' }] } }));
    expect(empty.errorInformation).toMatchObject({ code: 'NO_INSTANCES' });
    expect(empty.errorInformation?.message).toMatch(/replacement environment has no hosts/);
    const both = await ended(await start([15, 16], [16, 17], bg()));
    expect(both.errorInformation?.code).toBe('INVALID_TARGET_INSTANCES');
    expect(both.errorInformation?.message).toMatch(new RegExp(`${host(16)} is in both the original and the replacement environment`));
    expect(fleet.calls.some((c) => c.startsWith(`${host(17)}:`))).toBe(false);
    const smaller = await ended(await start([15, 16], [17], bg()));
    expect(smaller.status).toBe('Succeeded');
    expect(smaller.blueGreen?.servingHosts).toEqual([host(17)]);
  });

  it('a replacement host failing its install under the health rules: OneAtATime stops before any traffic moves', async () => {
    fleet.behaviour.set(host(18), { failAt: 'AfterInstall' });
    const view = await ended(await start([19], [18, 20], { ...bg(), deploymentConfigName: 'CodeDeployDefault.OneAtATime' }));
    expect(view.status).toBe('Failed');
    expect(view.errorInformation?.message).toMatch(/traffic stays on the original hosts/);
    expect(lb.calls.some((c) => c.endsWith(` ${ip(19)}`) || c.endsWith(` ${ip(20)}`) || c.endsWith(` ${ip(18)}`))).toBe(false);
  });

  it('an unhealthy green target fails AllowTraffic and the listener is never switched', async () => {
    const arn = listener(`${prefix}-e`);
    lb.allowHealth.set(ip(22), { state: 'unhealthy', reason: 'Target.FailedHealthChecks' });
    const view = await ended(await start([21], [22], { ...bg(), ...pair(arn, `${prefix}-e`, `${prefix}-f`) }));
    expect(view.status).toBe('Failed');
    expect(listeners.shown(arn)).toBe(`${prefix}-e=1`);
    expect(view.targets.find((t) => t.targetId === host(22))?.failedEvent?.lifecycleEventName).toBe('AllowTraffic');
    expect(events(view, 21)).toEqual([]);
  });

  it('a blue host that never drains fails the deployment (any original that cannot be deregistered does)', async () => {
    lb.stuckDraining.add(ip(23));
    const view = await ended(await start([23], [24], bg()));
    expect(view.status).toBe('Failed');
    expect(view.targets.find((t) => t.targetId === host(23))?.failedEvent?.diagnostics.message).toMatch(/was not deregistered within 1s/);
  });
});

describe('workflows/deployment: blue/green rollback through its group (fake hosts and load balancer)', () => {
  let harness: Harness;
  let fleet: FakeFleet;
  const lb = fakeRouter();
  const listeners = fakeListeners();
  const prefix = uniqueName('bgr');
  const host = (n: number): string => `${prefix}-h${n}`;
  const arn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/${prefix}/lb/1`;

  beforeAll(async () => {
    harness = await startController(uniqueName('blue green rollback'), { trafficRouter: lb.router, listenerRouter: listeners.router, trafficPollMs: 50 });
    const ids = [1, 2, 3, 4].map(host);
    fleet = await startFakeFleet(harness, ids, 5);
    await fleet.register(ids.map((hostId, i) => ({ hostId, tags: { role: i < 2 ? 'blue' : 'green' }, zone: null, loadBalancerTarget: { id: `10.8.0.${i + 1}` } })));
    listeners.forwarding.set(arn, [{ targetGroupArn: `arn:tg/${prefix}-a`, weight: 1 }]);
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
  });

  it('a failure after the reroute rolls back: blue takes traffic back, the listener is as it was, green is taken out', async () => {
    const groupName = `${prefix}-group`;
    await createDeploymentGroup(
      harness.client,
      {
        applicationName: 'bg-app',
        deploymentGroupName: groupName,
        tagFilters: [{ Key: 'role', Value: 'blue', Type: 'KEY_AND_VALUE' }],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration: { trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 / 60 } } },
        loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: `${prefix}-a` }, { name: `${prefix}-b` }], prodTrafficRoute: { listenerArns: [arn] } }], trafficTimeoutSeconds: 1 },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      },
      harness.taskQueue,
    );
    fleet.behaviour.set(host(3), { failAt: 'AfterAllowTraffic' });
    const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: groupName }, { revision: { revisionType: 'Local', local: { path: '/srv/v2' } }, targetInstances: { tagFilters: [{ Key: 'role', Value: 'green', Type: 'KEY_AND_VALUE' }] } }, harness.taskQueue);
    const failed = await getDeployment(harness.client, deploymentId).then(async () => {
      await harness.client.workflow.getHandle(deploymentId).result().catch(() => undefined);
      return getDeploymentSummary(harness.client, deploymentId);
    });
    expect(failed.status).toBe('Failed');
    expect(failed.blueGreen?.listener?.current).toEqual([{ targetGroupName: `${prefix}-b`, weight: 1 }]);
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId as string;
    expect(rollbackId).toMatch(/^d-/);
    await harness.client.workflow.getHandle(rollbackId).result();
    const rollback = await getDeployment(harness.client, rollbackId);
    expect(rollback.status).toBe('Succeeded');
    expect(rollback.creator).toBe('codeDeployRollback');
    expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
    expect(listeners.changes).toEqual([`${prefix}-a=90,${prefix}-b=10`, `${prefix}-b=1`, `${prefix}-a=1`]);
    const labelled = rollback.targets.map((t) => `${t.targetId}:${t.instanceLabel}`).sort();
    expect(labelled).toEqual([`${host(1)}:Blue`, `${host(2)}:Blue`, `${host(3)}:Green`, `${host(4)}:Green`]);
    const ev = (n: number) => rollback.targets.find((t) => t.targetId === host(n))?.lifecycleEvents.map((e) => e.lifecycleEventName);
    expect(ev(1)).toEqual(['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic']);
    expect(ev(3)).toEqual(['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
    expect(lb.calls).toContain(`deregister arn:tg/${prefix}-b 10.8.0.3`);
  });

  /** A group over hosts 1 (blue) and 2 (green) with the pair, configured for one scenario. */
  const pairGroup = async (suffix: string, blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration, extra: Record<string, unknown> = {}): Promise<string> => {
    const groupName = `${prefix}-${suffix}`;
    listeners.forwarding.set(arn, [{ targetGroupArn: `arn:tg/${prefix}-a`, weight: 1 }]);
    await createDeploymentGroup(
      harness.client,
      {
        applicationName: 'bg-app',
        deploymentGroupName: groupName,
        targetHosts: [host(1)],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        blueGreenDeploymentConfiguration,
        loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: `${prefix}-a` }, { name: `${prefix}-b` }], prodTrafficRoute: { listenerArns: [arn] } }], trafficTimeoutSeconds: 1 },
        ...extra,
      },
      harness.taskQueue,
    );
    const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: groupName }, { revision: { revisionType: 'Local', local: { path: `/srv/${suffix}` } }, targetInstances: { targetHosts: [host(2)] } }, harness.taskQueue);
    return deploymentId;
  };
  const rolledBack = async (deploymentId: string): Promise<DeploymentView> => {
    await harness.client.workflow.getHandle(deploymentId).result().catch(() => undefined);
    const ended = await getDeploymentSummary(harness.client, deploymentId);
    const rollbackId = ended.rollbackInfo?.rollbackDeploymentId;
    if (!rollbackId) throw new Error(`no rollback of ${deploymentId}: ${ended.rollbackInfo?.rollbackMessage ?? ended.status}`);
    await harness.client.workflow.getHandle(rollbackId).result();
    return getDeployment(harness.client, rollbackId);
  };

  it('stop with rollback mid-shift restores the listener', async () => {
    fleet.behaviour.delete(host(3));
    const id = await pairGroup('stop', { trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 60 } } });
    await expect.poll(() => listeners.shown(arn), { timeout: 20_000, interval: 100 }).toBe(`${prefix}-a=80,${prefix}-b=20`);
    await stopDeployment(harness.client, id, { autoRollback: true });
    const rollback = await rolledBack(id);
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Stopped');
    expect(rollback.status).toBe('Succeeded');
    expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
  });

  it('stop with rollback during the Ready wait: Stopped, nothing had moved, green is taken out', async () => {
    const id = await pairGroup('ready', { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } });
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).status, { timeout: 20_000, interval: 100 }).toBe('Ready');
    await stopDeployment(harness.client, id, { autoRollback: true });
    const rollback = await rolledBack(id);
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Stopped');
    expect(rollback.status).toBe('Succeeded');
    expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
    expect(rollback.targets.find((t) => t.targetId === host(2))?.lifecycleEvents.map((e) => e.lifecycleEventName)).toEqual(['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
  });

  it('stop with rollback after the reroute, in the termination wait: traffic goes back to blue before anything is terminated', async () => {
    const id = await pairGroup('term', { terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } });
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).currentStep?.detail, { timeout: 20_000, interval: 100 }).toBe('TERMINATION_WAIT');
    expect(listeners.shown(arn)).toBe(`${prefix}-b=1`);
    await stopDeployment(harness.client, id, { autoRollback: true });
    const rollback = await rolledBack(id);
    expect(rollback.status).toBe('Succeeded');
    expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
    expect(lb.calls.filter((c) => c.endsWith(' 10.8.0.1')).slice(-2)).toEqual([`deregister arn:tg/${prefix}-a 10.8.0.1`, `register arn:tg/${prefix}-a 10.8.0.1`]);
    expect((await getDeploymentSummary(harness.client, id)).blueGreen?.originalInstances).toBeUndefined();
  });

  it('a stop during the green install (no rollback asked): Stopped, the hook cancelled, the listener never moved', async () => {
    fleet.behaviour.set(host(2), { slowAt: 'ApplicationStart' });
    try {
      const id = await pairGroup('install', {});
      await expect.poll(() => fleet.calls.filter((c) => c.startsWith(`${host(2)}:`)).at(-1), { timeout: 20_000, interval: 100 }).toBe(`${host(2)}:ApplicationStart`);
      await stopDeployment(harness.client, id);
      await harness.client.workflow.getHandle(id).result().catch(() => undefined);
      const stopped = await getDeploymentSummary(harness.client, id);
      expect(stopped.status).toBe('Stopped');
      expect(stopped.blueGreen?.trafficRerouted).toBe(false);
      expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
      expect(fleet.cancelledEvents).toContain(`${host(2)}:ApplicationStart`);
    } finally {
      fleet.behaviour.delete(host(2));
    }
  });

  it('an alarm during a canary bake stops the deployment (ALARM_ACTIVE) and DEPLOYMENT_STOP_ON_ALARM rolls the listener back', async () => {
    const env = motoEnv();
    const cloudwatch = new CloudWatchClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const alarm = `${prefix}-5xx`;
    try {
      await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'HTTPCode_Target_5XX_Count', Namespace: 'AWS/ApplicationELB', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }));
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'test' }));
      const id = await pairGroup('alarm', { trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 25, canaryInterval: 60 } } }, {
        alarmConfiguration: { enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
      });
      await expect.poll(() => listeners.shown(arn), { timeout: 20_000, interval: 100 }).toBe(`${prefix}-a=75,${prefix}-b=25`);
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'canary errors' }));
      const rollback = await rolledBack(id);
      const stopped = await getDeploymentSummary(harness.client, id);
      expect(stopped.status).toBe('Stopped');
      expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE');
      expect(rollback.status).toBe('Succeeded');
      expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
    } finally {
      cloudwatch.destroy();
    }
  });

  it('a manual rollback after a KEEP_ALIVE success gives traffic back to the kept originals; the group then deploys from them', async () => {
    const groupName = `${prefix}-manual`;
    const tg = `${prefix}-m`;
    const config = {
      applicationName: 'bg-app',
      deploymentGroupName: groupName,
      targetHosts: [host(1)],
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      deploymentStyle: { deploymentType: 'BLUE_GREEN' as const, deploymentOption: 'WITH_TRAFFIC_CONTROL' as const },
      loadBalancerInfo: { targetGroupInfoList: [{ name: tg }], trafficTimeoutSeconds: 1 },
    };
    await createDeploymentGroup(harness.client, config, harness.taskQueue);
    const { deploymentId } = await createGroupDeployment(harness.client, config, { revision: { revisionType: 'Local', local: { path: '/srv/m1' } }, targetInstances: { targetHosts: [host(2)] } }, harness.taskQueue);
    await harness.client.workflow.getHandle(deploymentId).result();
    expect((await getDeploymentGroup(harness.client, 'bg-app', groupName, harness.taskQueue)).blueGreenFleet).toEqual([host(2)]);
    await expect(rollbackDeploymentGroup(harness.client, config, { toDeploymentId: deploymentId }, harness.taskQueue)).rejects.toThrow(/a blue\/green group rolls back by giving traffic back/);
    const { deploymentId: rollbackId } = await rollbackDeploymentGroup(harness.client, config, {}, harness.taskQueue);
    await harness.client.workflow.getHandle(rollbackId).result();
    const last = (ip: string) => lb.calls.filter((c) => c.startsWith(`register arn:tg/${tg} ${ip}`) || c.startsWith(`deregister arn:tg/${tg} ${ip}`)).at(-1);
    expect([last('10.8.0.1'), last('10.8.0.2')]).toEqual([`register arn:tg/${tg} 10.8.0.1`, `deregister arn:tg/${tg} 10.8.0.2`]);
    const group = await getDeploymentGroup(harness.client, 'bg-app', groupName, harness.taskQueue);
    expect(group.blueGreenFleet).toEqual([host(1)]);
    // A rollback is not rolled back again, and nothing is left to roll back to.
    await expect(rollbackDeploymentGroup(harness.client, config, {}, harness.taskQueue)).rejects.toThrow(/is itself a rollback/);
  });

  it('a Ready wait that times out asks for no rollback, even when stops roll back', async () => {
    const id = await pairGroup('timeout', { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 1 / 60 } }, { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_FAILURE'] } });
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    const stopped = await getDeploymentSummary(harness.client, id);
    expect(stopped.status).toBe('Stopped');
    expect(stopped.errorInformation?.code).toBe('TIMEOUT');
    expect(stopped.rollbackInfo?.rollbackDeploymentId).toBeUndefined();
    expect(listeners.shown(arn)).toBe(`${prefix}-a=1`);
  });
});
