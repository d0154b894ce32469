import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GANTRY_BIN, type AgentProcess } from '../../workers/agent-process.js';
import { spawnTied, stopProcess, waitUntil } from '../../workers/processes.js';
import { tgzArchive } from '../support/archives.js';
import { gantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startHosts, uniqueName } from '../support/harness.js';

type Line = Record<string, unknown> & { level: string; msg: string };

describe('e2e: structured logs from the controller worker and the agents, with no secret in them', () => {
  const name = uniqueName('logs');
  const app = `gantry-e2e-${name}`;
  const hostId = `${name}-h1`;
  const base = scratchDir('e2e-logs');
  const queue = uniqueName('e2e logs');
  const bucket = `logs-${randomBytes(4).toString('hex')}`;
  const { address, namespace } = stackAddress();
  // Credentials every process holds and uses: AWS (the controller pins the S3 revision, the agent
  // downloads it), a GitHub token, and the payload codec's key.
  const awsSecret = `aws-secret-${randomBytes(8).toString('hex')}`;
  const gitHubToken = `ghp_${randomBytes(12).toString('hex')}`;
  const codecKey = randomBytes(32).toString('base64');
  const credentials = { ...motoEnv(), AWS_SECRET_ACCESS_KEY: awsSecret, GANTRY_CODEC_KEYS: `k1:${codecKey}` };
  const agentOutput: string[] = [];
  let controller: ReturnType<typeof spawnTied> | undefined;
  let controllerOutput: () => string = () => '';
  let agents: AgentProcess[] = [];
  const cli = (args: string[]) => gantry([...args, '--address', address, '--namespace', namespace, '--task-queue', queue], credentials);
  const lines = (text: string): Line[] =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Line;
        } catch {
          throw new Error(`not a JSON log line: ${line}`);
        }
      });

  beforeAll(async () => {
    const s3 = new S3Client({ endpoint: motoEnv().AWS_ENDPOINT_URL, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: awsSecret } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const appspec = `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\nhooks:\n  ApplicationStart:\n    - location: start.sh\n`;
    const body = tgzArchive([
      { name: 'appspec.yml', body: appspec },
      { name: 'app/', type: 'dir' },
      { name: 'app/index.html', body: 'logs' },
      { name: 'start.sh', body: '#!/bin/sh\necho "started with $AWS_SECRET_ACCESS_KEY"\n', mode: 0o755 },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'app.tgz', Body: body }));
    s3.destroy();

    controller = spawnTied(process.execPath, [GANTRY_BIN, 'worker', '--address', address, '--namespace', namespace, '--task-queue', queue, '--log-level', 'debug', '--log-format', 'json'], { env: { ...process.env, ...credentials }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Every line kept (collectOutput keeps only the latest chunks).
    const chunks: string[] = [];
    const keep = (chunk: Buffer): void => void chunks.push(chunk.toString());
    controller.stdout?.on('data', keep);
    controller.stderr?.on('data', keep);
    controllerOutput = () => chunks.join('');
    agents = startHosts([hostId], join(base, 'hosts'), {
      controllerTaskQueue: queue,
      env: { ...credentials, GANTRY_GITHUB_TOKEN: gitHubToken },
      log: { level: 'debug', format: 'json' },
      output: (chunk) => agentOutput.push(chunk),
    });
    await waitUntil('the controller and the agent to start', async () => controllerOutput().includes('gantry controller worker') && agentOutput.join('').includes('polling'), 60_000);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    if (controller) await stopProcess(controller);
  });

  it('writes JSON lines carrying the deployment ID, host ID and lifecycle event, at the level asked for', async () => {
    const result = await cli(['create-deployment', '--application-name', app, '--deployment-group-name', 'web', '--s3-location', `bucket=${bucket},key=app.tgz,bundleType=tgz`, '--target-hosts', hostId, '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const deploymentId = JSON.parse(result.stdout).deploymentInfo.deploymentId as string;
    // The hook printed the agent's AWS secret... except that the agent withdrew it: the hook saw nothing.
    expect(JSON.parse(result.stdout).deploymentInfo.targets[0].lifecycleEvents.find((e: { lifecycleEventName: string }) => e.lifecycleEventName === 'ApplicationStart').diagnostics.logTail).toBe('[stdout]started with ');

    await expect.poll(() => lines(agentOutput.join('')).some((l) => l.msg === 'ApplicationStart succeeded' && l.deploymentId === deploymentId), { timeout: 10_000 }).toBe(true);
    const agent = lines(agentOutput.join(''));
    for (const event of ['DownloadBundle', 'Install', 'ApplicationStart']) {
      const started = agent.find((l) => l.msg === `${event} started` && l.deploymentId === deploymentId);
      const finished = agent.find((l) => l.msg === `${event} succeeded` && l.deploymentId === deploymentId);
      expect(started, event).toMatchObject({ level: 'INFO', hostId, event, gantry_process: 'agent' });
      expect(finished, event).toMatchObject({ level: 'INFO', hostId, event, outcome: 'Succeeded', durationMs: expect.any(Number) });
    }
    expect(agent.some((l) => l.msg.includes('polling') && l.hostId === hostId)).toBe(true);

    await expect.poll(() => lines(controllerOutput()).some((l) => l.msg === 'deployment succeeded' && l.deploymentId === deploymentId), { timeout: 10_000 }).toBe(true);
    const controllerLines = lines(controllerOutput());
    expect(controllerLines.find((l) => l.msg === 'deployment started' && l.deploymentId === deploymentId)).toMatchObject({ level: 'INFO', gantry_process: 'controller', applicationName: app });
    // Debug asked for: the SDK's own debug lines come through too, in the same shape.
    expect(controllerLines.some((l) => l.level === 'DEBUG')).toBe(true);
  });

  it('never writes a credential, token or key, whatever the level', () => {
    const everything = `${controllerOutput()}\n${agentOutput.join('')}`;
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of [awsSecret, gitHubToken, codecKey]) expect(everything).not.toContain(secret);
  });

  it('refuses a log level it does not know, naming it', async () => {
    const refused = await gantry(['worker', '--log-level', 'chatty', '--address', address]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--log-level must be one of trace, debug, info, warn, error; got "chatty"/);
  });
});
