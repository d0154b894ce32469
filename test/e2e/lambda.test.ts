import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { temporalCliPath } from '../../workers/tools.js';
import { newDeploymentId } from '../../workers/deployments.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PutMetricAlarmCommand, SetAlarmStateCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, LifecycleEventAlreadyCompletedException, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { DeploymentInput, DeploymentSummary } from '../../workflows/contracts/deployment.js';
import type { LambdaHookEvent } from '../../workflows/contracts/lambda.js';
import { PREDEFINED_CONFIGS } from '../../workflows/contracts/deployment-config.js';
import type { RevisionLocation } from '../../workflows/contracts/revision.js';
import { s3ClientFromEnv } from '../../workers/aws-clients.js';
import { createDeploymentConfig, getDeployment, getDeploymentSummary, putLifecycleEventHookExecutionStatus, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { createDeploymentGroup, createGroupDeployment, rollbackDeploymentGroup, updateDeploymentGroup } from '../../workers/deployment-groups.js';
import { createApplication, getApplication } from '../../workers/applications.js';
import { HOOK_STATUS_TARGET, serveHookStatus, type HookStatusEndpoint } from '../../workers/hook-status-endpoint.js';
import { tgzArchive, zipArchive } from '../support/archives.js';
import { connectedGantry } from '../support/cli.js';
import { motoEnv, stackAddress, startController, uniqueName, type Harness } from '../support/harness.js';
import { aliasRouting, createFunction, createLambdaRole, motoLambda, resetAlias } from '../support/moto-lambda.js';

/**
 * Lambda deployments through the whole stack: the controller on the dev server, moto's Lambda
 * (functions, published versions and an alias made here), S3 and CloudWatch. Every step is checked
 * on the alias itself (GetAlias: its version and RoutingConfig), not on Gantry's report of it. moto
 * runs no function code, so the tests play the validation functions: they report as a function
 * would, through the HTTP endpoint, the CLI or the update.
 */
describe('e2e: Lambda alias traffic shifting on moto', () => {
  let harness: Harness;
  let endpoint: HookStatusEndpoint;
  const lambda = motoLambda();
  const env = motoEnv();
  const s3 = s3ClientFromEnv(env);
  const cloudwatch = new CloudWatchClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const name = uniqueName('lambda-e2e');
  const fn = `checkout-${name}`;
  const before = `${fn}-before`;
  const after = `${fn}-after`;
  const bucket = `lambda-${name}`.slice(0, 60);
  const { address, namespace } = stackAddress();
  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });

  const appSpec = (options: { current?: string; target?: string; hooks?: Partial<Record<LambdaHookEvent, string>>; alias?: string; fn?: string } = {}): string =>
    [
      'version: 0.0',
      'Resources:',
      '  - checkoutFunction:',
      '      Type: AWS::Lambda::Function',
      '      Properties:',
      `        Name: "${options.fn ?? fn}"`,
      `        Alias: "${options.alias ?? 'live'}"`,
      `        CurrentVersion: "${options.current ?? '1'}"`,
      `        TargetVersion: "${options.target ?? '2'}"`,
      ...(options.hooks ? ['Hooks:', ...Object.entries(options.hooks).map(([event, hook]) => `  - ${event}: "${hook}"`)] : []),
      '',
    ].join('\n');
  const inline = (content: string, sha256 = true): RevisionLocation => ({ revisionType: 'AppSpecContent', appSpecContent: { content, ...(sha256 ? { sha256: createHash('sha256').update(content).digest('hex') } : {}) } });
  const deploy = (revision: RevisionLocation, extra: Partial<DeploymentInput> = {}): Promise<string> =>
    startDeployment(harness.client, { applicationName: 'shop', deploymentGroupName: name, computePlatform: 'Lambda', revision, ...extra }, { taskQueue: harness.taskQueue });
  const routing = (): Promise<string> => aliasRouting(lambda, fn, 'live');
  const ended = async (id: string): Promise<DeploymentSummary> => {
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).completeTime, { timeout: 60_000, interval: 100 }).toBeDefined();
    return getDeploymentSummary(harness.client, id);
  };
  /** Waits until the deployment's validation function for `event` was invoked; answers its execution ID. */
  const invoked = async (id: string, event: LambdaHookEvent): Promise<string> => {
    let execution = '';
    await expect
      .poll(async () => {
        const hook = (await getDeploymentSummary(harness.client, id)).lambda?.hooks.find((h) => h.lifecycleEventName === event && h.status === 'InProgress');
        execution = hook?.lifecycleEventHookExecutionId ?? '';
        return execution;
      }, { timeout: 30_000, interval: 100 })
      .not.toBe('');
    return execution;
  };
  /** Reports as a validation function calling CodeDeploy would: JSON 1.1 with X-Amz-Target, at the endpoint. */
  const report = async (deploymentId: string, lifecycleEventHookExecutionId: string, status: string): Promise<{ status: number; body: Record<string, string> }> => {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': HOOK_STATUS_TARGET },
      body: JSON.stringify({ deploymentId, lifecycleEventHookExecutionId, status }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  /** Waits until the alias routes `expected` (read from Lambda itself). */
  const aliasBecomes = (expected: string, timeout = 30_000): Promise<void> => expect.poll(routing, { timeout, interval: 100 }).toBe(expected);

  beforeAll(async () => {
    harness = await startController(uniqueName('lambda-e2e-q'));
    endpoint = await serveHookStatus(harness.client);
    const role = await createLambdaRole(`gantry-${name}`.slice(0, 60));
    await createFunction(lambda, role, fn, { versions: 3, alias: 'live' });
    await createFunction(lambda, role, before);
    await createFunction(lambda, role, after);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await endpoint?.close();
    await harness?.close();
  });

  it('shifts all at once between validation functions that report through the endpoint and the CLI; a second report is refused', async () => {
    const id = await deploy(inline(appSpec({ hooks: { BeforeAllowTraffic: before, AfterAllowTraffic: after } })));
    const first = await invoked(id, 'BeforeAllowTraffic');
    expect(await routing()).toBe('1'); // nothing moves before the function says so
    expect(await report(id, first, 'Succeeded')).toEqual({ status: 200, body: { lifecycleEventHookExecutionId: first } });
    const second = await invoked(id, 'AfterAllowTraffic');
    expect(await routing()).toBe('2');
    const cliReport = await cli(['put-lifecycle-event-hook-execution-status', '--deployment-id', id, '--lifecycle-event-hook-execution-id', second, '--status', 'Succeeded', '--output', 'json']);
    expect(cliReport.json).toEqual({ lifecycleEventHookExecutionId: second });
    const done = await ended(id);
    expect(done.status).toBe('Succeeded');
    expect(done.lambda).toMatchObject({ functionName: fn, functionAlias: 'live', currentVersion: '1', targetVersion: '2', targetVersionWeight: 1 });
    expect(done.lambda?.hooks.map((h) => `${h.lifecycleEventName} ${h.status}`)).toEqual(['BeforeAllowTraffic Succeeded', 'AfterAllowTraffic Succeeded']);
    expect(done.targets).toMatchObject([{ targetId: `${fn}:live`, status: 'Succeeded', deploymentTargetType: 'LambdaTarget' }]);
    // The function reports twice (a retried invocation): CodeDeploy's LifecycleEventAlreadyCompleted.
    const again = await report(id, first, 'Failed');
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ __type: 'LifecycleEventAlreadyCompletedException', message: expect.stringMatching(/BeforeAllowTraffic\) has already completed: Succeeded/) });
    const view = await getDeployment(harness.client, id);
    expect(view.targets[0]?.lifecycleEvents.map((e) => `${e.lifecycleEventName} ${e.status}`)).toEqual(['BeforeAllowTraffic Succeeded', 'AllowTraffic Succeeded', 'AfterAllowTraffic Succeeded']);
    const text = await cli(['get-deployment', '--deployment-id', id, '--output', 'text']);
    expect(text.stdout).toContain(`lambda: ${fn}:live version 1 → 2; target version weight 100%`);
    await resetAlias(lambda, fn, 'live');
  });
  it('takes a validation function\'s report from the AWS SDK\'s own CodeDeploy client, pointed at the endpoint (with a token)', async () => {
    const guarded = await serveHookStatus(harness.client, { token: `token-${name}` });
    try {
      const codedeploy = (accessKeyId: string): CodeDeployClient => new CodeDeployClient({ endpoint: guarded.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'unused' } });
      const id = await deploy(inline(appSpec({ hooks: { BeforeAllowTraffic: before } })));
      const execution = await invoked(id, 'BeforeAllowTraffic');
      const call = new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: execution, status: 'Succeeded' });
      await expect(codedeploy('not-the-token').send(call)).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
      expect(await codedeploy(`token-${name}`).send(call)).toMatchObject({ lifecycleEventHookExecutionId: execution });
      await expect(codedeploy(`token-${name}`).send(call)).rejects.toBeInstanceOf(LifecycleEventAlreadyCompletedException);
      expect((await ended(id)).status).toBe('Succeeded');
      expect(await routing()).toBe('2');
    } finally {
      await guarded.close();
      await resetAlias(lambda, fn, 'live');
    }
  });

  it('is driven from the Temporal CLI alone: workflow start, the status query, the hook status update', async () => {
    const temporal = async (...args: string[]): Promise<string> => (await promisify(execFile)(temporalCliPath(), [...args, '--address', address, '--namespace', namespace])).stdout;
    const id = newDeploymentId();
    const input = { applicationName: 'shop', deploymentGroupName: name, computePlatform: 'Lambda', deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce', revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec({ hooks: { BeforeAllowTraffic: before } }) } } };
    await temporal('workflow', 'start', '--task-queue', harness.taskQueue, '--type', 'deployment', '--workflow-id', id, '--input', JSON.stringify(input));
    let execution = '';
    await expect
      .poll(async () => {
        const status = JSON.parse(await temporal('workflow', 'query', '--workflow-id', id, '--name', 'status', '--output', 'json')) as { queryResult: [DeploymentSummary] };
        return (execution = status.queryResult[0].lambda?.hooks[0]?.lifecycleEventHookExecutionId ?? '');
      }, { timeout: 30_000, interval: 250 })
      .not.toBe('');
    await temporal('workflow', 'update', 'execute', '--workflow-id', id, '--name', 'putLifecycleEventHookExecutionStatus', '--input', JSON.stringify({ lifecycleEventHookExecutionId: execution, status: 'Succeeded' }));
    expect((await ended(id)).status).toBe('Succeeded');
    expect(await routing()).toBe('2');
    await resetAlias(lambda, fn, 'live');
  });

  it.each(PREDEFINED_CONFIGS.filter((c) => c.trafficRoutingConfig && c.trafficRoutingConfig.type !== 'AllAtOnce').map((c) => c.deploymentConfigName.replace('CodeDeployDefault.', '')))('CodeDeployDefault.%s: a tenth of the traffic to the target version, held; a stop with rollback puts the alias back', async (config) => {
    const minutes = Number(/(\d+)Minute/.exec(config)?.[1]);
    const id = await deploy(inline(appSpec()), { deploymentConfigName: `CodeDeployDefault.${config}` });
    await aliasBecomes('1 2=0.1');
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).currentStep?.detail, { timeout: 10_000 }).toBe(`${minutes * 60}s, 10% on version 2`);
    const shifts = (await getDeploymentSummary(harness.client, id)).lambda?.shifts ?? [];
    expect(shifts[0]).toMatchObject({ targetVersionPercent: 10, holdSeconds: minutes * 60, at: expect.any(String) });
    expect(shifts.at(-1)).toEqual({ targetVersionPercent: 100, holdSeconds: 0 });
    expect(shifts).toHaveLength(config.startsWith('LambdaCanary') ? 2 : 10);
    expect((await stopDeployment(harness.client, id, { autoRollback: true })).status).toBe('Succeeded');
    expect(await routing()).toBe('1');
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' }, lambda: { targetVersionWeight: 0, rollback: { reason: 'the deployment was stopped with rollback' } } });
    expect(done.rollbackInfo?.rollbackMessage).toBe(`The alias live of ${fn} was put back on version 1: the deployment was stopped with rollback`);
  });

  it('runs a custom canary made with create-deployment-config, from a YAML object in S3, through gantry create-deployment', async () => {
    const config = `canary20-${name}`;
    const made = await cli(['create-deployment-config', '--deployment-config-name', config, '--compute-platform', 'Lambda', '--traffic-routing-config', 'type=TimeBasedCanary,timeBasedCanary={canaryPercentage=20,canaryInterval=0.1}']);
    expect(made.json?.deploymentConfigInfo).toEqual({ deploymentConfigName: config, computePlatform: 'Lambda', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 0.1 } } });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'canary/appspec.yaml', Body: appSpec() }));
    const started = cli(['create-deployment', '--application-name', 'shop', '--deployment-group-name', name, '--compute-platform', 'Lambda', '--s3-location', `bucket=${bucket},key=canary/appspec.yaml,bundleType=YAML`, '--deployment-config-name', config, '--wait', '--output', 'json']);
    await aliasBecomes('1 2=0.2');
    await aliasBecomes('2');
    const { code, json } = await started;
    expect(code).toBe(0);
    expect(json.deploymentInfo).toMatchObject({ status: 'Succeeded', deploymentConfigName: config, lambda: { targetVersionWeight: 1, shifts: [{ targetVersionPercent: 20, holdSeconds: 6 }, { targetVersionPercent: 100, holdSeconds: 0 }] } });
    expect(json.deploymentInfo.revision.s3Location.eTag).toEqual(expect.any(String)); // pinned when it started
    await resetAlias(lambda, fn, 'live');
  });

  it('runs a custom linear shift from a zip in S3, each step on the alias in turn', async () => {
    await createDeploymentConfig(harness.client, { deploymentConfigName: `linear25-${name}`, computePlatform: 'Lambda', trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 0.05 } } }, harness.taskQueue);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'linear.zip', Body: zipArchive([{ name: 'appspec.yaml', body: appSpec({ current: '1', target: '3' }) }]) }));
    const id = await deploy({ revisionType: 'S3', s3Location: { bucket, key: 'linear.zip', bundleType: 'zip' } }, { deploymentConfigName: `linear25-${name}` });
    for (const step of ['1 3=0.25', '1 3=0.5', '1 3=0.75', '3']) await aliasBecomes(step);
    expect((await ended(id)).status).toBe('Succeeded');
    await resetAlias(lambda, fn, 'live');
  });

  it('leaves the alias alone when BeforeAllowTraffic reports Failed (a tgz revision)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'before.tgz', Body: tgzArchive([{ name: 'appspec.yaml', body: appSpec({ hooks: { BeforeAllowTraffic: before } }) }]) }));
    const id = await deploy({ revisionType: 'S3', s3Location: { bucket, key: 'before.tgz', bundleType: 'tgz' } });
    const execution = await invoked(id, 'BeforeAllowTraffic');
    await putLifecycleEventHookExecutionStatus(harness.client, id, { lifecycleEventHookExecutionId: execution, status: 'Failed' });
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Failed', errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: expect.stringContaining(`The BeforeAllowTraffic validation function ${before} failed: it reported Failed`) } });
    expect(done.lambda?.lifecycleEvents.map((e) => e.status)).toEqual(['Failed', 'Skipped', 'Skipped']);
    expect(await routing()).toBe('1');
  });

  it('puts the alias back on CurrentVersion when AfterAllowTraffic reports Failed', async () => {
    const id = await deploy(inline(appSpec({ hooks: { AfterAllowTraffic: after } })));
    const execution = await invoked(id, 'AfterAllowTraffic');
    expect(await routing()).toBe('2');
    expect((await report(id, execution, 'Failed')).status).toBe(200);
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Failed', errorInformation: { code: 'HOOK_EXECUTION_FAILURE' }, lambda: { targetVersionWeight: 0, rollback: { reason: expect.stringContaining('AfterAllowTraffic') } } });
    expect(done.rollbackInfo?.rollbackMessage).toMatch(/was put back on version 1: The AfterAllowTraffic validation function/);
    expect(await routing()).toBe('1');
  });

  it('fails a validation function that reports nothing within the hook timeout; its late report is refused', async () => {
    const id = await deploy(inline(appSpec({ hooks: { BeforeAllowTraffic: before } })), { lambdaHookTimeoutSeconds: 2 });
    const execution = await invoked(id, 'BeforeAllowTraffic');
    const done = await ended(id);
    expect(done.errorInformation).toMatchObject({ code: 'HOOK_EXECUTION_FAILURE', message: expect.stringContaining('it reported no status within 2s (lambdaHookTimeoutSeconds)') });
    await expect(putLifecycleEventHookExecutionStatus(harness.client, id, { lifecycleEventHookExecutionId: execution, status: 'Succeeded' })).rejects.toThrow(/has already completed: Failed/);
    expect(await routing()).toBe('1');
  });

  it('rolls the alias back when an alarm goes into ALARM during the canary', async () => {
    const alarm = `errors-${name}`;
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'Errors', Namespace: 'AWS/Lambda', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }));
    const id = await deploy(inline(appSpec()), {
      deploymentConfig: { deploymentConfigName: 'canary-inline', computePlatform: 'Lambda', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } } },
      alarmConfiguration: { enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 },
    });
    await aliasBecomes('1 2=0.1');
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'test' }));
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' }, lambda: { rollback: { reason: `the deployment was stopped because alarm ${alarm} is in ALARM` } } });
    expect(await routing()).toBe('1');
  });

  it('a stop without rollback leaves the alias mid-shift, and the next deployment refuses to start from there', async () => {
    const id = await deploy(inline(appSpec()), { deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes' });
    await aliasBecomes('1 2=0.1');
    await stopDeployment(harness.client, id);
    expect(await ended(id)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect((await ended(id)).lambda?.rollback).toBeUndefined();
    expect(await routing()).toBe('1 2=0.1');
    const next = await ended(await deploy(inline(appSpec())));
    expect(next.errorInformation).toMatchObject({ code: 'INVALID_LAMBDA_CONFIGURATION', message: expect.stringContaining('already sends traffic to version 2 (10%): finish or undo that shift first') });
    expect(await routing()).toBe('1 2=0.1');
    await resetAlias(lambda, fn, 'live');
  });

  it('refuses each invalid Lambda input, naming the problem, and moves nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'not-an-appspec.zip', Body: zipArchive([{ name: 'README', body: 'no appspec here' }]) }));
    const cases: [RevisionLocation, string, RegExp][] = [
      [inline(appSpec({ fn: `missing-${name}` })), 'INVALID_LAMBDA_FUNCTION', new RegExp(`Lambda function missing-${name} does not exist`)],
      [inline(appSpec({ alias: 'staging' })), 'INVALID_LAMBDA_CONFIGURATION', /alias staging of .* does not exist/],
      [inline(appSpec({ target: '9' })), 'INVALID_LAMBDA_CONFIGURATION', /TargetVersion 9 of Lambda function .* does not exist/],
      [inline(appSpec({ current: '2', target: '3' })), 'INVALID_LAMBDA_CONFIGURATION', /points at version 1, not at CurrentVersion 2/],
      [inline(appSpec({ hooks: { BeforeAllowTraffic: `nohook-${name}` } })), 'INVALID_LAMBDA_FUNCTION', new RegExp(`BeforeAllowTraffic validation function nohook-${name} does not exist`)],
      [inline(`${appSpec()}`.replace('Hooks:', '').replace('Resources:', 'Resources:\n  - second:\n      Type: AWS::Lambda::Function\n      Properties: {Name: b, Alias: live, CurrentVersion: 1, TargetVersion: 2}')), 'INVALID_REVISION', /deploys one Lambda function; Resources lists 2/],
      [{ revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(), sha256: '0'.repeat(64) } }, 'INVALID_REVISION', /SHA-256 is [0-9a-f]{64}, not the 0{64}/],
      [{ revisionType: 'S3', s3Location: { bucket, key: 'not-an-appspec.zip', bundleType: 'zip' } }, 'INVALID_REVISION', /holds no appspec\.yaml at its top level/],
      [{ revisionType: 'S3', s3Location: { bucket, key: 'missing.yaml', bundleType: 'YAML' } }, 'REVISION_MISSING', /cannot be found/],
    ];
    const results = await Promise.all(cases.map(async ([revision]) => ended(await deploy(revision))));
    results.forEach((done, i) => {
      const [, code, message] = cases[i] as [RevisionLocation, string, RegExp];
      expect(done.status).toBe('Failed');
      expect(done.errorInformation?.code).toBe(code);
      expect(done.errorInformation?.message).toMatch(message);
    });
    expect(await routing()).toBe('1');
    await expect(deploy(inline(appSpec()), { deploymentConfigName: 'CodeDeployDefault.OneAtATime' })).rejects.toThrow(/is for the Server compute platform and cannot be used by a Lambda deployment/);
    await expect(deploy(inline(appSpec()), { targetHosts: ['h1'] })).rejects.toThrow(/targetHosts is a Server setting/);
    await createDeploymentConfig(harness.client, { deploymentConfigName: `server-${name}`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }, harness.taskQueue);
    await expect(deploy(inline(appSpec()), { deploymentConfigName: `server-${name}` })).rejects.toThrow(/is for the Server compute platform/);
  });

  it('keeps an application\'s groups on its compute platform, and says so when they are mixed', async () => {
    const app = `payments-${name}`;
    const made = await cli(['create-application', '--application-name', app, '--compute-platform', 'Lambda']);
    expect(made.json).toEqual({ applicationId: expect.stringMatching(/^[0-9a-f]{8}-/) });
    await expect(createApplication(harness.client, { applicationName: app }, harness.taskQueue)).rejects.toThrow(/application .* already exists/);
    expect(await getApplication(harness.client, app, harness.taskQueue)).toMatchObject({ applicationName: app, computePlatform: 'Lambda' });
    // A group that does not say is the application's platform; one that says otherwise is refused.
    const inherited = await createDeploymentGroup(harness.client, { applicationName: app, deploymentGroupName: 'api' }, harness.taskQueue);
    expect(inherited.config.computePlatform).toBe('Lambda');
    const mixed = await cli(['create-deployment-group', '--application-name', app, '--deployment-group-name', 'hosts', '--compute-platform', 'Server', '--target-hosts', 'h1']);
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toContain(`deployment group hosts is for the Server compute platform, but application ${app} is a Lambda application`);
    // The first group of an unknown application registers it, with the group's platform.
    const servers = `servers-${name}`;
    await createDeploymentGroup(harness.client, { applicationName: servers, deploymentGroupName: 'web', targetHosts: ['h1'] }, harness.taskQueue);
    expect((await getApplication(harness.client, servers, harness.taskQueue)).computePlatform).toBe('Server');
    await expect(createDeploymentGroup(harness.client, { applicationName: servers, deploymentGroupName: 'fn', computePlatform: 'Lambda' }, harness.taskQueue)).rejects.toThrow(/is a Server application/);
    expect((await cli(['list-applications'])).json.applications).toEqual(expect.arrayContaining([app, servers]));
    await expect(getApplication(harness.client, `nope-${name}`, harness.taskQueue)).rejects.toThrow(/does not exist/);
    await expect(updateDeploymentGroup(harness.client, { ...inherited.config, computePlatform: 'Server' }, harness.taskQueue)).rejects.toThrow(/computePlatform cannot change/);
  });

  it('runs through a Lambda deployment group: queued behind the one in progress, a stop rolled back by the group, no group rollback', async () => {
    const group = { applicationName: 'shop', deploymentGroupName: `group-${name}` };
    const made = await cli(['create-deployment-group', '--application-name', group.applicationName, '--deployment-group-name', group.deploymentGroupName, '--compute-platform', 'Lambda', '--deployment-config-name', 'CodeDeployDefault.LambdaCanary10Percent30Minutes', '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_STOP_ON_REQUEST']);
    expect(made.code).toBe(0);
    await expect(createDeploymentGroup(harness.client, { ...group, deploymentGroupName: `bad-${name}`, computePlatform: 'Lambda', targetHosts: ['h1'] }, harness.taskQueue)).rejects.toThrow(/targetHosts is a Server setting/);
    const first = await createGroupDeployment(harness.client, group, { revision: inline(appSpec()) }, harness.taskQueue);
    const second = await createGroupDeployment(harness.client, group, { revision: inline(appSpec()), deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' }, harness.taskQueue);
    expect(second.status).toBe('Queued');
    await aliasBecomes('1 2=0.1');
    await stopDeployment(harness.client, first.deploymentId);
    expect(await ended(first.deploymentId)).toMatchObject({ status: 'Stopped', lambda: { rollback: { reason: 'the deployment was stopped (the group rolls back on DEPLOYMENT_STOP_ON_REQUEST)' } } });
    expect(await ended(second.deploymentId)).toMatchObject({ status: 'Succeeded', deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' });
    expect(await routing()).toBe('2');
    await expect(rollbackDeploymentGroup(harness.client, group, {}, harness.taskQueue)).rejects.toThrow(/a Lambda deployment rolls back by itself/);
    await resetAlias(lambda, fn, 'live');
  });
});
