import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ControllerActivities } from '../../workflows/contracts/controller.js';
import type { RolloutInput, RolloutView } from '../../workflows/contracts/rollout.js';
import { approveUpdate, pauseSignal, resumeSignal, rolloutStatusQuery, rolloutStopSignal } from '../../workflows/messages.js';
import { WORKFLOWS_PATH } from '../../workers/controller.js';
import { GANTRY_SEARCH_ATTRIBUTES } from '../../workers/local-stack.js';
import { timeSkippingServerPath } from '../../workers/tools.js';
import { uniqueName } from '../support/harness.js';

const server = timeSkippingServerPath();

/**
 * The `crossRegionRollout` workflow with scripted regions (fake activities), on Temporal's
 * time-skipping test server: hour-long bakes and approval timeouts pass at once.
 */
describe.skipIf(!server)('workflows/rollout: waves, gates, failures and stops (time-skipping server)', () => {
  // (Skipped only where the bootstrap found no Java and Maven to fetch the test server with.)
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueName('rollouts');
  /** What the fake regions were asked, in order. */
  let calls: string[] = [];
  /** Per region: how its deployment ends (default Succeeded); `hold` keeps it running until released. */
  let script: Record<string, { status?: 'Succeeded' | 'Failed'; hold?: boolean; missing?: boolean; alarm?: boolean }> = {};
  const held = new Map<string, () => void>();
  const regionOf = new Map<string, string>();

  const fake: Partial<ControllerActivities> = {
    async pinRevision(revision) {
      const region = revision.revisionType === 'S3' ? revision.s3Location.bucket.replace('bucket-', '') : '';
      if (script[region]?.missing) throw ApplicationFailure.create({ type: 'RevisionNotFound', message: `The revision s3://bucket-${region}/app.tgz cannot be found`, nonRetryable: true });
      return revision;
    },
    async runningRollouts() {
      return [];
    },
    async startRegionDeployment({ taskQueue: queue, request }) {
      const region = queue.replace('gantry-', '');
      regionOf.set(request.deploymentId as string, region);
      calls.push(`deploy ${region}`);
      return { deploymentId: request.deploymentId as string };
    },
    async awaitDeployment({ deploymentId }) {
      const region = regionOf.get(deploymentId) ?? '';
      if (script[region]?.hold) await new Promise<void>((resolve) => held.set(region, resolve));
      const status = script[region]?.status ?? 'Succeeded';
      calls.push(`${region} ${status}`);
      return status === 'Succeeded' ? { status } : { status, message: 'HEALTH_CONSTRAINTS: a host failed' };
    },
    async stopRegionDeployment({ deploymentId, autoRollback }) {
      const region = regionOf.get(deploymentId) ?? '';
      calls.push(`stop ${region}${autoRollback ? ' with rollback' : ''}`);
      if (script[region]) script[region].status = 'Failed';
      held.get(region)?.();
    },
    async requestRollback({ groupWorkflowId, request }) {
      const region = groupWorkflowId.split('/')[0]?.replace('gantry-', '') ?? '';
      regionOf.set(request.deploymentId as string, `${region}-rollback`);
      calls.push(`rollback ${region}`);
      return { deploymentId: request.deploymentId as string };
    },
    async pollAlarms({ alarmNames }) {
      return { inAlarm: alarmNames.filter((a) => script[a.replace('errors-', '')]?.alarm), missing: [] };
    },
  };

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server as string } } });
    await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes: Object.fromEntries(GANTRY_SEARCH_ATTRIBUTES.map((a) => [a, 2])) });
    // Every region's queue is served by this one worker's fakes, plus the rollout's own queue.
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'];
    const workers = await Promise.all([taskQueue, ...regions.map((r) => `gantry-${r}`)].map((queue) => Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: queue, workflowsPath: WORKFLOWS_PATH, activities: fake })));
    worker = workers[0] as Worker;
    running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
    Object.assign(globalThis, { rolloutWorkers: workers });
  });
  afterAll(async () => {
    for (const w of (globalThis as unknown as { rolloutWorkers?: Worker[] }).rolloutWorkers ?? []) w.shutdown();
    await running;
    await env?.teardown();
  });

  const region = (name: string, alarms = false) => ({ region: name, deploymentGroupName: 'web', revision: { revisionType: 'S3' as const, s3Location: { bucket: `bucket-${name}`, key: 'app.tgz', bundleType: 'tgz' as const } }, ...(alarms ? { alarms: [`errors-${name}`] } : {}) });
  const start = async (input: RolloutInput) => {
    calls = [];
    held.clear();
    return env.client.workflow.start('crossRegionRollout', { taskQueue, workflowId: uniqueName('rollout'), args: [input] });
  };
  const failedView = async (promise: Promise<unknown>): Promise<RolloutView> => {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return ((err as WorkflowFailedError).cause as ApplicationFailure).details?.[0] as RolloutView;
  };

  it('runs a serial wave, bakes an hour, checks alarms, then a parallel wave', async () => {
    script = {};
    const handle = await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1', true), region('us-west-2')], bakeSeconds: 3600 }, { mode: 'PARALLEL', regions: [region('eu-west-1'), region('eu-central-1')] }] });
    const view = (await handle.result()) as RolloutView;
    expect(view.status).toBe('Succeeded');
    expect(calls.slice(0, 4)).toEqual(['deploy us-east-1', 'us-east-1 Succeeded', 'deploy us-west-2', 'us-west-2 Succeeded']);
    expect(calls.slice(4, 6).sort()).toEqual(['deploy eu-central-1', 'deploy eu-west-1']);
    expect(view.waves.map((w) => w.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(view.waves.flatMap((w) => w.regions.map((r) => `${r.region} ${r.status} ${r.deploymentId?.slice(0, 2)}`))).toEqual(['us-east-1 Succeeded d-', 'us-west-2 Succeeded d-', 'eu-west-1 Succeeded d-', 'eu-central-1 Succeeded d-']);
    // The Temporal UI's current details say where every wave ended.
    const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toBe('**Succeeded** · wave 1 Succeeded: us-east-1 Succeeded, us-west-2 Succeeded · wave 2 Succeeded: eu-west-1 Succeeded, eu-central-1 Succeeded');
  });

  it('a failure in wave 2 halts wave 3 and rolls back wave 1, newest first', async () => {
    script = { 'eu-west-1': { status: 'Failed' } };
    const handle = await start({ applicationName: 'shop', rollbackOnFailure: true, waves: [{ regions: [region('us-east-1'), region('us-west-2')] }, { regions: [region('eu-west-1')] }, { regions: [region('ap-south-1')] }] });
    const view = await failedView(handle.result());
    expect(view.status).toBe('Failed');
    expect(view.message).toBe('eu-west-1 (wave 2) failed: HEALTH_CONSTRAINTS: a host failed');
    expect(calls.filter((c) => c.startsWith('deploy') || c.startsWith('rollback'))).toEqual(['deploy us-east-1', 'deploy us-west-2', 'deploy eu-west-1', 'rollback us-west-2', 'rollback us-east-1']);
    expect(view.waves.map((w) => w.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
    expect(view.waves[0]?.regions.map((r) => r.rollback?.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(view.waves[2]?.regions[0]?.status).toBe('Skipped');
  });

  it('an alarm in ALARM after a wave\'s bake fails the rollout before the next wave', async () => {
    script = { 'us-east-1': { alarm: true } };
    const handle = await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1', true)], bakeSeconds: 600 }, { regions: [region('us-west-2')] }] });
    const view = await failedView(handle.result());
    expect(view.message).toBe("after wave 1's bake, us-east-1/errors-us-east-1 is in ALARM");
    expect(calls).not.toContain('deploy us-west-2');
  });

  it('checks every region\'s revision before the first wave: a missing one in the last region moves nothing', async () => {
    script = { 'ap-south-1': { missing: true } };
    const view = await failedView((await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1')] }, { regions: [region('ap-south-1')] }] })).result());
    expect(view.message).toMatch(/revisions were checked before the first wave and one is not deployable: ap-south-1: The revision s3:\/\/bucket-ap-south-1\/app\.tgz cannot be found/);
    expect(calls).toEqual([]);
  });

  it('waits at an approval gate: approved goes on, rejected stops, a timeout does as it says', async () => {
    script = {};
    const gated = (onTimeout?: 'REJECT' | 'APPROVE'): RolloutInput => ({ applicationName: 'shop', waves: [{ regions: [region('us-east-1')] }, { regions: [region('us-west-2')], approval: { timeoutSeconds: 7200, ...(onTimeout ? { onTimeout } : {}) } }] });
    const approved = await start(gated());
    await expect.poll(async () => (await approved.query(rolloutStatusQuery)).status, { timeout: 10_000 }).toBe('AwaitingApproval');
    await expect(approved.executeUpdate(approveUpdate, { args: [{ approver: '' }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/approver must name who approves/) } });
    expect(await approved.executeUpdate(approveUpdate, { args: [{ approver: 'ana', comment: 'looks good' }] })).toMatchObject({ wave: 1, approved: true });
    const done = (await approved.result()) as RolloutView;
    expect(done.waves[1]?.approval).toMatchObject({ status: 'Approved', approver: 'ana', comment: 'looks good' });
    // The gate has been passed (here: the rollout has ended): a second approval is refused.
    await expect(approved.executeUpdate(approveUpdate, { args: [{ approver: 'ana' }] })).rejects.toThrow();

    const rejected = await start(gated());
    await expect.poll(async () => (await rejected.query(rolloutStatusQuery)).status, { timeout: 10_000 }).toBe('AwaitingApproval');
    await rejected.executeUpdate(approveUpdate, { args: [{ approver: 'bo', approved: false, comment: 'not today' }] });
    expect((await failedView(rejected.result())).message).toBe('wave 2 was not approved: bo rejected it: not today');
    expect(calls).not.toContain('deploy us-west-2');

    const timedOut = await failedView((await start(gated())).result());
    expect(timedOut).toMatchObject({ status: 'Stopped', message: 'wave 2 was not approved: no approval came within 7200s (onTimeout REJECT)' });
    const approvedOnTimeout = (await (await start(gated('APPROVE'))).result()) as RolloutView;
    expect(approvedOnTimeout.status).toBe('Succeeded');
    expect(approvedOnTimeout.waves[1]?.approval?.status).toBe('TimedOut');
  });

  it('a stop stops the regions in flight and, asked to, rolls back those done', async () => {
    script = { 'us-west-2': { hold: true } };
    const handle = await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1')] }, { mode: 'PARALLEL', regions: [region('us-west-2')] }, { regions: [region('eu-west-1')] }] });
    await expect.poll(() => held.has('us-west-2'), { timeout: 10_000 }).toBe(true);
    await handle.signal(rolloutStopSignal, { rollback: true, reason: 'bad release' });
    const view = await failedView(handle.result());
    expect(view).toMatchObject({ status: 'Stopped', message: 'stopped by request: bad release' });
    expect(calls).toEqual(['deploy us-east-1', 'us-east-1 Succeeded', 'deploy us-west-2', 'stop us-west-2 with rollback', 'us-west-2 Failed', 'rollback us-east-1', 'us-east-1-rollback Succeeded']);
    expect(view.waves.map((w) => w.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
  });

  it('pauses between regions and goes on when resumed', async () => {
    script = { 'us-east-1': { hold: true } };
    const handle = await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1'), region('us-west-2')] }] });
    await expect.poll(() => held.has('us-east-1'), { timeout: 10_000 }).toBe(true);
    await handle.signal(pauseSignal);
    held.get('us-east-1')?.();
    await expect.poll(async () => (await handle.query(rolloutStatusQuery)).status, { timeout: 10_000 }).toBe('Paused');
    expect(calls).not.toContain('deploy us-west-2');
    await handle.signal(resumeSignal);
    expect(((await handle.result()) as RolloutView).status).toBe('Succeeded');
    expect(calls).toContain('deploy us-west-2');
  });

  it('refuses to start outside its deployment window, and refuses bad input naming each problem', async () => {
    const now = new Date(await env.currentTimeMs());
    const hour = now.getUTCHours();
    const window = { timeZone: 'UTC', start: `${String((hour + 2) % 24).padStart(2, '0')}:00`, end: `${String((hour + 3) % 24).padStart(2, '0')}:00` };
    const view = (await (await start({ applicationName: 'shop', window, waves: [{ regions: [region('us-east-1')] }] })).result()) as RolloutView;
    expect(view.status).toBe('Refused');
    expect(view.message).toMatch(/^not started: .* \(UTC\) is outside the deployment window/);
    expect(calls).toEqual([]);
    const bad = await start({ applicationName: 'shop', waves: [{ regions: [region('us-east-1'), { ...region('us-east-1'), deploymentGroupName: 'x' }], mode: 'SIDEWAYS' as 'SERIAL' }] });
    const err = await bad.result().catch((e: unknown) => e);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/waves\[0\]\.mode must be SERIAL or PARALLEL.*us-east-1 is already in the rollout/);
    void worker;
  });
});
