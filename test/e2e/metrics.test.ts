import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { GANTRY_BIN, type AgentProcess } from '../../workers/agent-process.js';
import { collectOutput } from '../../workers/local-stack.js';
import { freePort, spawnTied, stopProcess, waitUntil } from '../../workers/processes.js';
import { GantryMetric } from '../../workflows/contracts/metrics.js';
import { connectedGantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startHosts, uniqueName } from '../support/harness.js';

/** The sum of a metric's samples whose labels include `labels`, from Prometheus's text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

describe('e2e: Prometheus metrics from the controller worker and the agents', () => {
  const name = uniqueName('metrics');
  const app = `gantry-e2e-${name}`;
  const hostId = `${name}-h1`;
  const base = scratchDir('e2e-metrics');
  const queue = uniqueName('e2e metrics');
  const alarm = `${name}-alarm`;
  const gate = join(base, 'release-start');
  const { address, namespace } = stackAddress();
  const cli = connectedGantry({ address, namespace, taskQueue: () => queue });
  let controller: ReturnType<typeof spawnTied> | undefined;
  let agents: AgentProcess[] = [];
  let controllerUrl = '';
  let agentUrl = '';
  const scrape = async (url: string): Promise<string> => (await fetch(`${url}/metrics`)).text();

  beforeAll(async () => {
    const [controllerPort, agentPort] = [await freePort(), await freePort()];
    controllerUrl = `http://127.0.0.1:${controllerPort}`;
    agentUrl = `http://127.0.0.1:${agentPort}`;
    controller = spawnTied(process.execPath, [GANTRY_BIN, 'worker', '--address', address, '--namespace', namespace, '--task-queue', queue, '--metrics-listen', `127.0.0.1:${controllerPort}`], { env: { ...process.env, ...motoEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(controller, Boolean(process.env.GANTRY_TEST_VERBOSE));
    await waitUntil('the controller to serve metrics', async () => (await fetch(`${controllerUrl}/metrics`)).ok, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${output()}`);
    });
    agents = startHosts([hostId], join(base, 'hosts'), { controllerTaskQueue: queue, metricsListen: { [hostId]: `127.0.0.1:${agentPort}` } });
    await waitUntil('the agent to serve metrics', async () => (await fetch(`${agentUrl}/metrics`)).ok, 60_000);

    // A tgz revision (so bytes are counted) whose ApplicationStart waits for the test's signal.
    const source = join(base, 'source');
    mkdirSync(join(source, 'scripts'), { recursive: true });
    mkdirSync(join(source, 'app'), { recursive: true });
    writeFileSync(join(source, 'app', 'index.html'), 'metrics');
    writeFileSync(join(source, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n      timeout: 60\n`);
    writeFileSync(join(source, 'scripts', 'start.sh'), `#!/bin/sh\nwhile [ ! -f ${gate} ]; do sleep 0.1; done\necho started\n`);
    chmodSync(join(source, 'scripts', 'start.sh'), 0o755);
    execFileSync('tar', ['-czf', join(base, 'revision.tgz'), '-C', source, '.']);

    const cloudwatch = new CloudWatchClient({ endpoint: motoEnv().AWS_ENDPOINT_URL, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'Latency', Namespace: 'Gantry/E2E', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
    cloudwatch.destroy();
    const created = await cli(['create-deployment-group', '--application-name', app, '--deployment-group-name', 'web', '--target-hosts', hostId, '--alarm-configuration', JSON.stringify({ enabled: true, alarms: [{ name: alarm }], pollIntervalSeconds: 1 })]);
    expect(created.code, created.stderr).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    if (controller) await stopProcess(controller);
  });

  it('counts deployments, events in flight and their durations, revision bytes and alarm polls as a deployment runs', async () => {
    const M = GantryMetric;
    const before = { controller: await scrape(controllerUrl), agent: await scrape(agentUrl) };
    const started = await cli(['create-deployment', '--application-name', app, '--deployment-group-name', 'web', '--local-location', `path=${join(base, 'revision.tgz')}`]);
    expect(started.code, started.stderr).toBe(0);
    const deploymentId = started.json.deploymentId as string;

    // During the deployment: the host's ApplicationStart is in flight, and the controller has counted the start.
    await expect.poll(async () => sample(await scrape(agentUrl), M.eventsInFlight.name), { timeout: 30_000 }).toBe(1);
    const during = await scrape(controllerUrl);
    expect(sample(during, `${M.deploymentsStarted.name}_total`, { compute_platform: 'Server', strategy: 'in_place', gantry_process: 'controller' })).toBe(sample(before.controller, `${M.deploymentsStarted.name}_total`, { strategy: 'in_place' }) + 1);
    await expect.poll(async () => sample(await scrape(controllerUrl), `${M.alarmPolls.name}_total`, { outcome: 'ok' }), { timeout: 15_000 }).toBeGreaterThan(sample(before.controller, `${M.alarmPolls.name}_total`, { outcome: 'ok' }));

    writeFileSync(gate, '');
    await expect.poll(async () => (await cli(['get-deployment', '--deployment-id', deploymentId])).json?.deploymentInfo?.status, { timeout: 30_000 }).toBe('Succeeded');

    const after = { controller: await scrape(controllerUrl), agent: await scrape(agentUrl) };
    expect(sample(after.controller, `${M.deploymentsFinished.name}_total`, { status: 'Succeeded' })).toBe(sample(before.controller, `${M.deploymentsFinished.name}_total`, { status: 'Succeeded' }) + 1);
    expect(sample(after.agent, M.eventsInFlight.name)).toBe(0);
    const durations = `${M.eventDuration.name}_seconds_count`;
    expect(sample(after.agent, durations, { event: 'ApplicationStart', outcome: 'Succeeded', host_id: hostId })).toBe(sample(before.agent, durations, { event: 'ApplicationStart', outcome: 'Succeeded' }) + 1);
    expect(sample(after.agent, `${M.eventDuration.name}_seconds_sum`, { event: 'ApplicationStart' })).toBeGreaterThan(0);
    expect(sample(after.agent, `${M.revisionBytes.name}_total`, { revision_type: 'Local' })).toBeGreaterThan(sample(before.agent, `${M.revisionBytes.name}_total`, { revision_type: 'Local' }));
    // Temporal's own metrics come from the same endpoint.
    expect(sample(after.agent, 'temporal_activity_execution_latency_seconds_count')).toBeGreaterThan(0);
    expect(sample(after.controller, 'temporal_workflow_completed_total')).toBeGreaterThan(0);
  });
});
