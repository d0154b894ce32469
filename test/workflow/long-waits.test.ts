import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { continueDeployment, getDeploymentSummary, putLifecycleEventHookExecutionStatus, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { aliasRouting, createFunction, createLambdaRole, motoLambda } from '../support/moto-lambda.js';
import { startLocalStack, type LocalStack } from '../../workers/local-stack.js';
import type { DeploymentInput } from '../../workflows/contracts/deployment.js';
import { startFakeFleet, type FakeFleet } from '../support/fake-hosts.js';
import { fakeListeners, fakeRouter } from '../support/fake-router.js';
import { motoEnv, scratchDir, startController, uniqueName, type Harness } from '../support/harness.js';

/**
 * Waits long enough for alarm polls to fill a run's history (a 48-hour Ready wait, a long canary
 * bake) continue as new and go on where they were. A dev server of its own suggests continue-as-new
 * after 150 events, so this happens within seconds.
 */
describe('workflows/deployment: long blue/green waits continue as new (own dev server)', () => {
  let stack: LocalStack;
  let harness: Harness;
  let fleet: FakeFleet;
  const lb = fakeRouter();
  const listeners = fakeListeners();
  const prefix = uniqueName('long-waits');
  const host = (n: number): string => `${prefix}-h${n}`;
  const alarm = `${prefix}-ok`;
  const env = motoEnv();
  const cloudwatch = new CloudWatchClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

  beforeAll(async () => {
    stack = await startLocalStack({ dataDir: scratchDir('long-waits'), uiPort: false, dynamicConfig: ['limit.historyCount.suggestContinueAsNew=150'] });
    harness = await startController(uniqueName('long waits'), { trafficRouter: lb.router, listenerRouter: listeners.router, trafficPollMs: 50 }, { address: stack.temporalAddress, namespace: stack.namespace });
    fleet = await startFakeFleet(harness, [1, 2, 3, 4].map(host), 5);
    await fleet.register([1, 2, 3, 4].map((n) => ({ hostId: host(n), tags: {}, zone: null, loadBalancerTarget: { id: `10.7.0.${n}` } })));
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'Errors', Namespace: 'Gantry/Test', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }));
  });
  afterAll(async () => {
    await fleet?.close();
    await harness?.close();
    await stack?.stop();
    cloudwatch.destroy();
  });

  const input = (blue: number, green: number, extra: Partial<DeploymentInput>): DeploymentInput => ({
    applicationName: 'long-app',
    deploymentGroupName: prefix,
    revision: { revisionType: 'Local', local: { path: '/srv/long' } },
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    targetHosts: [host(blue)],
    targetInstances: { targetHosts: [host(green)] },
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    loadBalancerInfo: { targetGroupInfoList: [{ name: `${prefix}-tg` }], trafficTimeoutSeconds: 1 },
    // OK all along: polled every second, it adds events to the history while nothing else happens.
    alarmConfiguration: { enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 },
    ...extra,
  });
  /** Runs of the workflow so far (continue-as-new starts a new one). */
  const runsOf = async (id: string): Promise<number> => {
    let runs = 0;
    for await (const _ of harness.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs += 1;
    return runs;
  };

  it('a Ready wait continues as new, stays Ready, and continue-deployment still ends it', async () => {
    const id = await startDeployment(harness.client, input(1, 2, { blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } } }), { taskQueue: harness.taskQueue });
    await expect.poll(() => runsOf(id), { timeout: 50_000, interval: 1_000 }).toBeGreaterThan(1);
    const waiting = await getDeploymentSummary(harness.client, id);
    expect(waiting.status).toBe('Ready');
    expect(waiting.targets.find((t) => t.targetId === host(2))?.status).toBe('Ready');
    await continueDeployment(harness.client, id, 'READY_WAIT');
    await harness.client.workflow.getHandle(id).result();
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Succeeded');
    expect(lb.calls).toContain(`register arn:tg/${prefix}-tg 10.7.0.2`);
  });

  it('a long canary bake continues as new and keeps the canary weights until it is stopped', async () => {
    const arn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/${prefix}/lb/1`;
    listeners.forwarding.set(arn, [{ targetGroupArn: `arn:tg/${prefix}-a`, weight: 1 }]);
    const id = await startDeployment(
      harness.client,
      input(3, 4, {
        loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: `${prefix}-a` }, { name: `${prefix}-b` }], prodTrafficRoute: { listenerArns: [arn] } }], trafficTimeoutSeconds: 1 },
        blueGreenDeploymentConfiguration: { trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 60 } } },
      }),
      { taskQueue: harness.taskQueue },
    );
    await expect.poll(() => runsOf(id), { timeout: 50_000, interval: 1_000 }).toBeGreaterThan(1);
    expect((await getDeploymentSummary(harness.client, id)).currentStep?.kind).toBe('bake');
    expect(listeners.shown(arn)).toBe(`${prefix}-a=90,${prefix}-b=10`);
    // The weights were set once: the next run resumed the bake rather than starting the shift again.
    expect(listeners.changes.filter((c) => c.includes(`${prefix}-b=10`))).toHaveLength(1);
    await stopDeployment(harness.client, id);
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Stopped');
  });

  it('a Lambda validation function awaited across continue-as-new is invoked once and its report still lands', async () => {
    const lambda = motoLambda();
    const fn = `${prefix}-fn`;
    const role = await createLambdaRole(`${prefix}-role`.slice(0, 60));
    await createFunction(lambda, role, fn, { versions: 2, alias: 'live' });
    await createFunction(lambda, role, `${fn}-check`);
    const content = `version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {Name: ${fn}, Alias: live, CurrentVersion: 1, TargetVersion: 2}\nHooks:\n  - BeforeAllowTraffic: ${fn}-check\n`;
    const id = await startDeployment(
      harness.client,
      { applicationName: 'long-app', deploymentGroupName: prefix, computePlatform: 'Lambda', revision: { revisionType: 'AppSpecContent', appSpecContent: { content } }, alarmConfiguration: { enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 } },
      { taskQueue: harness.taskQueue },
    );
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).lambda?.hooks[0]?.status, { timeout: 20_000 }).toBe('InProgress');
    const execution = (await getDeploymentSummary(harness.client, id)).lambda?.hooks[0]?.lifecycleEventHookExecutionId as string;
    await expect.poll(() => runsOf(id), { timeout: 50_000, interval: 1_000 }).toBeGreaterThan(1);
    const waiting = await getDeploymentSummary(harness.client, id);
    expect(waiting.lambda?.hooks).toMatchObject([{ lifecycleEventHookExecutionId: execution, status: 'InProgress' }]);
    // Invoked once: the runs after the first resumed the wait without invoking the function again.
    const history = [];
    for await (const run of harness.client.workflow.list({ query: `WorkflowId = '${id}'` })) history.push(...(await harness.client.workflow.getHandle(id, run.runId).fetchHistory()).events ?? []);
    expect(history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'invokeLambdaHook')).toHaveLength(1);
    expect(await aliasRouting(lambda, fn, 'live')).toBe('1');
    await putLifecycleEventHookExecutionStatus(harness.client, id, { lifecycleEventHookExecutionId: execution, status: 'Succeeded' });
    await harness.client.workflow.getHandle(id).result();
    expect((await getDeploymentSummary(harness.client, id)).status).toBe('Succeeded');
    expect(await aliasRouting(lambda, fn, 'live')).toBe('2');
  });
});
