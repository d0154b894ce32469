import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { PREDEFINED_CONFIGS } from '../../workflows/contracts/deployment-config.js';
import { lazyAwsClients } from '../../workers/aws-clients.js';
import { createControllerWorker } from '../../workers/controller.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { timeSkippingServerPath } from '../../workers/tools.js';
import { GANTRY_SEARCH_ATTRIBUTES } from '../../workers/local-stack.js';
import { motoEnv, uniqueName } from '../support/harness.js';
import { aliasRouting, createFunction, createLambdaRole, motoLambda } from '../support/moto-lambda.js';

const server = timeSkippingServerPath();

/**
 * Every predefined Lambda configuration run to its end, its minutes-long bakes skipped: the real
 * controller (Gantry's workflows and its activities against moto's Lambda) on Temporal's
 * time-skipping test server. After each shift the test reads the alias from Lambda, then moves the
 * server's clock past the bake.
 */
describe.skipIf(!server)('e2e: predefined Lambda configurations to the end, on the time-skipping test server', () => {
  // (Skipped only where the bootstrap found no Java and Maven to fetch the test server with; it says so.)
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const lambda = motoLambda();
  const name = uniqueName('lambda-ts');
  const taskQueue = uniqueName('lambda-ts-q');

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server as string } } });
    // The test server implements adding search attributes but not listing them: add Gantry's outright.
    await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes: Object.fromEntries(GANTRY_SEARCH_ATTRIBUTES.map((a) => [a, 2 /* KEYWORD */])) });
    worker = await createControllerWorker({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, aws: lazyAwsClients(motoEnv()) });
    running = worker.run();
    await createLambdaRole(`gantry-${name}`.slice(0, 60));
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const configs = PREDEFINED_CONFIGS.filter((c) => c.computePlatform === 'Lambda');

  it.each(configs.map((c) => [c.deploymentConfigName, c] as const))('%s: every step on the alias, each held as long as it says', async (configName, config) => {
    const fn = `fn-${name}-${configs.indexOf(config)}`;
    await createFunction(lambda, `arn:aws:iam::123456789012:role/${`gantry-${name}`.slice(0, 60)}`, fn, { versions: 2, alias: 'live' });
    const content = `version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {Name: ${fn}, Alias: live, CurrentVersion: 1, TargetVersion: 2}\n`;
    const id = await startDeployment(env.client, { applicationName: 'shop', deploymentGroupName: name, computePlatform: 'Lambda', revision: { revisionType: 'AppSpecContent', appSpecContent: { content } }, deploymentConfigName: configName }, { taskQueue });
    const routing = config.trafficRoutingConfig;
    const percent = routing?.timeBasedCanary?.canaryPercentage ?? routing?.timeBasedLinear?.linearPercentage ?? 100;
    const minutes = routing?.timeBasedCanary?.canaryInterval ?? routing?.timeBasedLinear?.linearInterval ?? 0;
    const steps = routing?.type === 'TimeBasedCanary' ? [percent] : routing?.type === 'TimeBasedLinear' ? Array.from({ length: 100 / percent - 1 }, (_, i) => (i + 1) * percent) : [];
    for (const step of steps) {
      await expect.poll(() => aliasRouting(lambda, fn, 'live'), { timeout: 20_000, interval: 50 }).toBe(`1 2=${step / 100}`);
      // The bake is a timer on the server, started when the alias was set: the alias stays put until
      // the server's clock passes its end. (The clock also runs in real time between the skips.)
      await expect.poll(async () => (await getDeploymentSummary(env.client, id)).currentStep?.detail, { timeout: 20_000, interval: 50 }).toBe(`${minutes * 60}s, ${step}% on version 2`);
      const setAt = Date.parse((await getDeploymentSummary(env.client, id)).lambda?.shifts.find((s) => s.targetVersionPercent === step)?.at ?? '');
      const until = async (ms: number): Promise<void> => env.sleep(Math.max(0, ms - (await env.currentTimeMs())));
      await until(setAt + (minutes * 60 - 5) * 1000);
      expect(await aliasRouting(lambda, fn, 'live')).toBe(`1 2=${step / 100}`);
      await until(setAt + (minutes * 60 + 1) * 1000);
    }
    await expect.poll(() => aliasRouting(lambda, fn, 'live'), { timeout: 20_000, interval: 50 }).toBe('2');
    let done: DeploymentSummary | undefined;
    await expect.poll(async () => (done = await getDeploymentSummary(env.client, id)).status, { timeout: 20_000 }).toBe('Succeeded');
    expect(done?.lambda?.shifts.map((s) => s.targetVersionPercent)).toEqual([...steps, 100]);
    expect(done?.lambda?.shifts.every((s) => s.at !== undefined)).toBe(true);
  });

  it('fails a validation function that stays silent for the default hour, and not before', async () => {
    const fn = `fn-${name}-silent`;
    const role = `arn:aws:iam::123456789012:role/${`gantry-${name}`.slice(0, 60)}`;
    await createFunction(lambda, role, fn, { versions: 2, alias: 'live' });
    await createFunction(lambda, role, `${fn}-check`);
    const content = `version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {Name: ${fn}, Alias: live, CurrentVersion: 1, TargetVersion: 2}\nHooks:\n  - BeforeAllowTraffic: ${fn}-check\n`;
    const id = await startDeployment(env.client, { applicationName: 'shop', deploymentGroupName: name, computePlatform: 'Lambda', revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } }, { taskQueue });
    await expect.poll(async () => (await getDeploymentSummary(env.client, id)).lambda?.hooks[0]?.status, { timeout: 20_000, interval: 50 }).toBe('InProgress');
    const startedAt = Date.parse((await getDeploymentSummary(env.client, id)).currentStep?.since ?? '');
    // env.sleep moves the test server's clock (no real waiting): to ten seconds short of the hour, then past it.
    await env.sleep(Math.max(0, startedAt + 3590_000 - (await env.currentTimeMs())));
    expect((await getDeploymentSummary(env.client, id)).status).toBe('InProgress');
    await env.sleep('20s');
    await expect.poll(async () => (await getDeploymentSummary(env.client, id)).errorInformation?.message, { timeout: 20_000 }).toMatch(/reported no status within 3600s/);
    expect(await aliasRouting(lambda, fn, 'live')).toBe('1');
  });
});
