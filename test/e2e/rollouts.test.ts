import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { Worker } from '@temporalio/worker';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { GANTRY_BIN, type AgentProcess } from '../../workers/agent-process.js';
import { lazyAwsClients, s3ClientFromEnv } from '../../workers/aws-clients.js';
import { createControllerWorker } from '../../workers/controller.js';
import { createDeploymentGroup, getDeploymentGroup } from '../../workers/deployment-groups.js';
import { approveRollout, getRollout, listRollouts, startRollout } from '../../workers/rollouts.js';
import type { RolloutInput, RolloutView } from '../../workflows/contracts/rollout.js';
import { connectedGantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'] as const;
type Region = (typeof REGIONS)[number];

/**
 * Cross-region rollouts through the whole stack: three regions, each with its own controller worker
 * (its own task queue and AWS region), its own moto S3 bucket and CloudWatch, its own deployment group
 * and a real agent on a simulated host. Checks read the files on the hosts and each region's group.
 */
describe('e2e: cross-region rollouts over three regions', () => {
  let harness: Harness;
  const regionWorkers: Worker[] = [];
  const runs: Promise<void>[] = [];
  let agents: AgentProcess[] = [];
  const name = uniqueName('rollout-e2e');
  const app = `gantry-ro-${name}`;
  const base = scratchDir('e2e-rollouts');
  const queue = (region: Region): string => `${name}-${region}`;
  const host = (region: Region): string => `${name}-${region}`;
  const marker = (region: Region): string => join(base, `fail-at-${region}`);
  const bucket = (region: Region): string => `ro-${region}-${name}`.slice(0, 60);
  const { address, namespace } = stackAddress();
  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });
  const s3 = (region: Region) => s3ClientFromEnv({ ...motoEnv(), AWS_REGION: region });

  const version = (region: Region): string | undefined => {
    const file = hostLayerPath(join(base, 'hosts', host(region)), '/srv', app, 'version.txt');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  /** Puts revision `v` (a tgz whose hooks fail at the region's marker) into the region's bucket. */
  const publish = async (v: string, regions: readonly Region[] = REGIONS): Promise<void> => {
    for (const region of regions) {
      const dir = join(base, `${v}-${region}`);
      writeProbeRevision(dir, app, marker(region), '', { 'version.txt': v });
      const archive = join(base, `${v}-${region}.tgz`);
      execFileSync('tar', ['-czf', archive, '-C', dir, '.']);
      await s3(region).send(new PutObjectCommand({ Bucket: bucket(region), Key: `${v}.tgz`, Body: readFileSync(archive) }));
    }
  };
  const at = (region: Region, v: string, extra: object = {}) => ({ region, taskQueue: queue(region), deploymentGroupName: 'web', revision: { revisionType: 'S3' as const, s3Location: { bucket: bucket(region), key: `${v}.tgz`, bundleType: 'tgz' as const } }, ...extra });
  const ended = async (rolloutId: string): Promise<RolloutView> => {
    await harness.client.workflow.getHandle(rolloutId).result().catch(() => undefined);
    return getRollout(harness.client, rolloutId);
  };
  const rollout = (waves: RolloutInput['waves'], extra: Partial<RolloutInput> = {}): RolloutInput => ({ applicationName: app, waves, ...extra });

  beforeAll(async () => {
    harness = await startController(uniqueName('rollout-home'));
    for (const region of REGIONS) {
      const worker = await createControllerWorker({ connection: harness.workerConnection, namespace, region, taskQueue: queue(region), aws: lazyAwsClients({ ...motoEnv(), AWS_REGION: region }) });
      regionWorkers.push(worker);
      runs.push(worker.run());
      await s3(region).send(new CreateBucketCommand({ Bucket: bucket(region), ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }) }));
      agents.push(...startHosts([host(region)], join(base, 'hosts'), { controllerTaskQueue: queue(region), env: { AWS_REGION: region } }));
    }
    const cloudwatch = new CloudWatchClient({ region: 'eu-west-1', endpoint: motoEnv().AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: `errors-${name}`, MetricName: 'Errors', Namespace: 'Gantry/Test', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }));
    for (const region of REGIONS) await createDeploymentGroup(harness.client, { applicationName: app, deploymentGroupName: 'web', targetHosts: [host(region)], deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }, queue(region));
    await publish('v1');
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    for (const w of regionWorkers) w.shutdown();
    await Promise.all(runs);
    await harness?.close();
    agents = [];
  });

  it('rolls out a serial wave, then a parallel one with a bake and an alarm check, each region through its own group', async () => {
    const id = await startRollout(harness.client, rollout([{ regions: [at('us-east-1', 'v1')] }, { mode: 'PARALLEL', bakeSeconds: 1, regions: [at('eu-west-1', 'v1', { alarms: [`errors-${name}`] }), at('ap-south-1', 'v1')] }]), { taskQueue: harness.taskQueue });
    const view = await ended(id);
    expect(view.status, view.message).toBe('Succeeded');
    for (const region of REGIONS) expect(version(region)).toBe('v1');
    // Each region's own group ran its deployment.
    for (const [w, r, region] of [[0, 0, 'us-east-1'], [1, 0, 'eu-west-1'], [1, 1, 'ap-south-1']] as const) {
      const group = await getDeploymentGroup(harness.client, app, 'web', queue(region));
      expect(group.lastSuccessfulDeployment?.deploymentId).toBe(view.waves[w]?.regions[r]?.deploymentId);
    }
    const text = await cli(['get-rollout', '--rollout-id', id, '--output', 'text']);
    expect(text.stdout).toMatch(/wave 2 PARALLEL Succeeded {2}bake 1s/);
  });

  it('a failure in wave 2 halts wave 3 and rolls wave 1 back to its last good revision', async () => {
    await publish('v2');
    writeFileSync(marker('eu-west-1'), 'ValidateService');
    try {
      const id = await startRollout(harness.client, rollout([{ regions: [at('us-east-1', 'v2')] }, { regions: [at('eu-west-1', 'v2')] }, { regions: [at('ap-south-1', 'v2')] }], { rollbackOnFailure: true }), { taskQueue: harness.taskQueue });
      const view = await ended(id);
      expect(view.status).toBe('Failed');
      expect(view.message).toMatch(/^eu-west-1 \(wave 2\) failed: HEALTH_CONSTRAINTS/);
      expect(view.waves.map((w) => w.status)).toEqual(['Succeeded', 'Failed', 'Skipped']);
      expect(view.waves[0]?.regions[0]?.rollback).toMatchObject({ status: 'Succeeded', deploymentId: expect.stringMatching(/^d-/) });
      expect(version('us-east-1')).toBe('v1'); // rolled back
      expect(version('ap-south-1')).toBe('v1'); // never reached
    } finally {
      rmSync(marker('eu-west-1'), { force: true });
    }
  });

  it('catches a missing revision in the last region before the first wave', async () => {
    const before = (await getDeploymentGroup(harness.client, app, 'web', queue('us-east-1'))).history.length;
    const id = await startRollout(harness.client, rollout([{ regions: [at('us-east-1', 'v1')] }, { regions: [at('ap-south-1', 'v9')] }]), { taskQueue: harness.taskQueue });
    const view = await ended(id);
    expect(view.status).toBe('Failed');
    expect(view.message).toMatch(/ap-south-1: The revision s3:\/\/.*\/v9\.tgz cannot be found/);
    expect((await getDeploymentGroup(harness.client, app, 'web', queue('us-east-1'))).history.length).toBe(before);
  });

  it('an approval gate: approved from the CLI, rejected, and timed out', async () => {
    const gated = (timeoutSeconds: number) => rollout([{ regions: [at('us-east-1', 'v1')], approval: { timeoutSeconds } }]);
    const approved = await startRollout(harness.client, gated(600), { taskQueue: harness.taskQueue });
    await expect.poll(async () => (await getRollout(harness.client, approved)).status, { timeout: 20_000 }).toBe('AwaitingApproval');
    // While it waits: pause and resume it, and find it among the application's rollouts.
    expect((await cli(['pause-rollout', '--rollout-id', approved])).json).toEqual({ rolloutId: approved, paused: true });
    await expect.poll(async () => (await cli(['get-rollout', '--rollout-id', approved])).json?.rolloutInfo?.paused, { timeout: 20_000 }).toBe(true);
    expect((await cli(['resume-rollout', '--rollout-id', approved])).json).toEqual({ rolloutId: approved, paused: false });
    await expect.poll(async () => (await cli(['list-rollouts', '--application-name', app])).json?.rollouts?.map((r: { rolloutId: string }) => r.rolloutId), { timeout: 20_000 }).toContain(approved);
    const unknown = await cli(['pause-rollout', '--rollout-id', 'r-NOSUCHONE']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/r-NOSUCHONE does not exist/)]);
    const badRollout = await cli(['create-rollout', '--rollout', '{"applicationName": "x", "waves": []}']);
    expect([badRollout.code, badRollout.stderr]).toEqual([2, expect.stringMatching(/waves/)]);
    expect((await cli(['approve-rollout', '--rollout-id', approved, '--approver', 'ana'])).json).toMatchObject({ approved: true, wave: 0 });
    expect((await ended(approved)).waves[0]).toMatchObject({ status: 'Succeeded', approval: { status: 'Approved', approver: 'ana' } });

    const rejected = await startRollout(harness.client, gated(600), { taskQueue: harness.taskQueue });
    await expect.poll(async () => (await getRollout(harness.client, rejected)).status, { timeout: 20_000 }).toBe('AwaitingApproval');
    await approveRollout(harness.client, rejected, { approver: 'bo', approved: false, comment: 'freeze' });
    expect(await ended(rejected)).toMatchObject({ status: 'Stopped', message: 'wave 1 was not approved: bo rejected it: freeze' });

    const timedOut = await startRollout(harness.client, gated(1), { taskQueue: harness.taskQueue });
    expect(await ended(timedOut)).toMatchObject({ status: 'Stopped', message: 'wave 1 was not approved: no approval came within 1s (onTimeout REJECT)' });
    await expect(approveRollout(harness.client, timedOut, { approver: 'ana' })).rejects.toThrow();
  });

  it('a stop from the CLI stops the region in flight; a second rollout of the application is refused meanwhile, also from a schedule', async () => {
    writeFileSync(`${marker('us-east-1')}.slow`, '20');
    const euBefore = version('eu-west-1');
    try {
      const id = await startRollout(harness.client, rollout([{ regions: [at('us-east-1', 'v2')] }, { regions: [at('eu-west-1', 'v2')] }]), { taskQueue: harness.taskQueue });
      await expect.poll(async () => (await getRollout(harness.client, id)).waves[0]?.regions[0]?.status, { timeout: 20_000 }).toBe('InProgress');
      await expect(startRollout(harness.client, rollout([{ regions: [at('ap-south-1', 'v1')] }]), { taskQueue: harness.taskQueue })).rejects.toThrow(new RegExp(`rollout ${id} of ${app} is running`));
      // A schedule's run meets the same rule inside the workflow.
      const schedule = `overlap-${name}`;
      expect((await cli(['create-rollout-schedule', '--schedule-id', schedule, '--interval', '24h', '--rollout', JSON.stringify(rollout([{ regions: [at('ap-south-1', 'v1')] }]))])).code).toBe(0);
      await cli(['trigger-rollout-schedule', '--schedule-id', schedule]);
      await expect.poll(async () => (await listRollouts(harness.client, { applicationName: app })).find((r) => r.rolloutId.startsWith(`rollout-${schedule}`))?.status, { timeout: 30_000 }).toBe('Refused');
      const refused = (await listRollouts(harness.client, { applicationName: app })).find((r) => r.rolloutId.startsWith(`rollout-${schedule}`))?.rolloutId as string;
      expect((await getRollout(harness.client, refused)).message).toMatch(new RegExp(`rollout ${id} of ${app} is running`));
      await cli(['delete-rollout-schedule', '--schedule-id', schedule]);

      expect((await cli(['stop-rollout', '--rollout-id', id, '--reason', 'page from on-call'])).code).toBe(0);
      const view = await ended(id);
      expect(view).toMatchObject({ status: 'Stopped', message: 'stopped by request: page from on-call' });
      expect(view.waves[0]?.regions[0]?.status).toBe('Stopped');
      expect(view.waves[1]?.status).toBe('Skipped');
      expect(view.waves[1]?.regions[0]?.deploymentId).toBeUndefined();
      expect(version('eu-west-1')).toBe(euBefore);
    } finally {
      rmSync(`${marker('us-east-1')}.slow`, { force: true });
    }
  });

  it('a schedule fires on trigger and its rollout runs; one whose window excludes now is refused', async () => {
    const schedule = `nightly-${name}`;
    const made = await cli(['create-rollout-schedule', '--schedule-id', schedule, '--cron', '0 3 * * *', '--time-zone', 'Europe/Berlin', '--catchup-window', '30m', '--rollout', JSON.stringify(rollout([{ regions: [at('ap-south-1', 'v1')] }]))]);
    expect(made.json).toEqual({ scheduleId: schedule });
    const described = await cli(['describe-rollout-schedule', '--schedule-id', schedule]);
    expect(described.json).toMatchObject({ scheduleId: schedule, paused: false, overlap: 'SKIP', catchupWindow: 1_800_000, spec: { timezone: 'Europe/Berlin' } });
    expect((await cli(['list-rollout-schedules'])).json.schedules).toContain(schedule);
    await cli(['trigger-rollout-schedule', '--schedule-id', schedule]);
    await expect.poll(async () => (await listRollouts(harness.client, { applicationName: app })).find((r) => r.rolloutId.startsWith(`rollout-${schedule}`))?.status, { timeout: 60_000 }).toBe('Succeeded');
    expect((await cli(['pause-rollout-schedule', '--schedule-id', schedule, '--note', 'freeze'])).json).toEqual({ scheduleId: schedule, paused: true });
    expect((await cli(['describe-rollout-schedule', '--schedule-id', schedule])).json).toMatchObject({ paused: true, note: 'freeze' });
    await cli(['delete-rollout-schedule', '--schedule-id', schedule]);
    expect((await cli(['describe-rollout-schedule', '--schedule-id', schedule])).stderr).toMatch(/does not exist/);

    const hour = new Date().getUTCHours();
    const window = { timeZone: 'UTC', start: `${String((hour + 2) % 24).padStart(2, '0')}:00`, end: `${String((hour + 3) % 24).padStart(2, '0')}:00` };
    const closed = `window-${name}`;
    const calendar = await cli(['create-rollout-schedule', '--schedule-id', closed, '--calendar', '{"dayOfWeek":"SUNDAY","hour":4}', '--rollout', JSON.stringify(rollout([{ regions: [at('ap-south-1', 'v1')] }], { window }))]);
    expect(calendar.code, calendar.stderr).toBe(0);
    await cli(['trigger-rollout-schedule', '--schedule-id', closed]);
    await expect.poll(async () => (await listRollouts(harness.client, { applicationName: app })).find((r) => r.rolloutId.startsWith(`rollout-${closed}`))?.status, { timeout: 30_000 }).toBe('Refused');
    const id = (await listRollouts(harness.client, { applicationName: app })).find((r) => r.rolloutId.startsWith(`rollout-${closed}`))?.rolloutId as string;
    expect((await getRollout(harness.client, id)).message).toMatch(/is outside the deployment window/);
    await cli(['delete-rollout-schedule', '--schedule-id', closed]);
  });

  it('survives its controller worker being SIGKILLed mid-wave', async () => {
    const homeQueue = uniqueName('rollout-durable');
    const spawnHome = (): ChildProcess => spawn(process.execPath, [GANTRY_BIN, 'worker', '--address', address, '--namespace', namespace, '--task-queue', homeQueue], { stdio: 'ignore', env: { ...process.env, ...motoEnv() } });
    let home = spawnHome();
    writeFileSync(`${marker('us-east-1')}.slow`, '6');
    try {
      await publish('v3', ['us-east-1', 'eu-west-1']);
      const before = (await getDeploymentGroup(harness.client, app, 'web', queue('us-east-1'))).history.length;
      const id = await startRollout(harness.client, rollout([{ regions: [at('us-east-1', 'v3')] }, { regions: [at('eu-west-1', 'v3')] }]), { taskQueue: homeQueue });
      await expect.poll(async () => (await getRollout(harness.client, id).catch(() => undefined))?.waves[0]?.regions[0]?.status, { timeout: 30_000 }).toBe('InProgress');
      const exited = new Promise((resolve) => home.once('exit', resolve));
      home.kill('SIGKILL');
      await exited;
      home = spawnHome();
      await harness.client.workflow.getHandle(id).result();
      const view = await getRollout(harness.client, id);
      expect(view.status).toBe('Succeeded');
      expect(version('us-east-1')).toBe('v3');
      expect(version('eu-west-1')).toBe('v3');
      // One deployment in the region: the restarted worker took the wait over rather than deploying again.
      const history = (await getDeploymentGroup(harness.client, app, 'web', queue('us-east-1'))).history;
      expect(history.length).toBe(before + 1);
      expect(history[0]?.deploymentId).toBe(view.waves[0]?.regions[0]?.deploymentId);
    } finally {
      rmSync(`${marker('us-east-1')}.slow`, { force: true });
      home.kill('SIGKILL');
    }
  }, 180_000);
});
