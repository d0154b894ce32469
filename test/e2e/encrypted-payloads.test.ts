import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { GANTRY_BIN, type AgentProcess } from '../../workers/agent-process.js';
import { connectClient } from '../../workers/connection.js';
import { collectOutput } from '../../workers/local-stack.js';
import { waitUntil } from '../../workers/processes.js';
import { temporalCliPath } from '../../workers/tools.js';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../workers/payload-codec.js';
import { gantry } from '../support/cli.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';

const keyLine = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

/** Everything a history or visibility record holds, as text: strings as they are, bytes as UTF-8, and the key IDs payloads name. */
function flatten(value: unknown, out: { text: string[]; keyIds: Set<string>; encrypted: number; plain: number }): void {
  if (value instanceof Uint8Array) return void out.text.push(Buffer.from(value).toString('utf8'));
  if (typeof value === 'string') return void out.text.push(value);
  if (Array.isArray(value)) return value.forEach((v) => flatten(v, out));
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, Uint8Array> | undefined;
  if (metadata?.encoding instanceof Uint8Array && 'data' in record) {
    if (Buffer.from(metadata.encoding).toString() === ENCRYPTED_ENCODING) {
      out.encrypted += 1;
      out.keyIds.add(Buffer.from(metadata[KEY_ID_METADATA] ?? []).toString());
    } else out.plain += 1;
  }
  for (const v of Object.values(record)) flatten(v, out);
}

describe('e2e: encrypted payloads (AES-256-GCM codec, keys by ID, codec server)', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  let codecServer: ChildProcess | undefined;
  const name = uniqueName('codec');
  const app = `gantry-e2e-${name}`;
  const hosts = [`${name}-h1`];
  const base = scratchDir('e2e-codec');
  const marker = randomBytes(6).toString('hex');
  const secret = `db-password-${marker}`;
  const logLine = `log-line-${marker}`;
  const revision = join(base, `confidential-revision-${marker}`);
  const keys = { v1: join(base, 'keys-v1'), rotated: join(base, 'keys-rotated'), withoutK1: join(base, 'keys-without-k1') };
  const { address, namespace } = stackAddress();
  const ids: string[] = [];
  let queue = '';

  const k1 = keyLine('k1');
  const k2 = keyLine('k2');

  const start = async (keyFile: string): Promise<void> => {
    harness = await startController(queue, {}, { address, namespace, codecKeyFile: keyFile });
    agents = startHosts(hosts, join(base, 'hosts'), { controllerTaskQueue: queue, env: { GANTRY_CODEC_KEY_FILE: keyFile } });
  };
  const stop = async (): Promise<void> => {
    await Promise.all(agents.map((a) => a.stop()));
    await harness?.close();
  };
  const cli = (keyFile: string, args: string[]) => gantry([...args, '--address', address, '--namespace', namespace, '--task-queue', queue, '--codec-key-file', keyFile]);

  /** What the server holds for the test's workflows, read without the codec: every history and visibility record. */
  const rawRecords = async (query: string) => {
    const { client, connection } = await connectClient({ address, namespace });
    const out = { text: [] as string[], keyIds: new Set<string>(), encrypted: 0, plain: 0, workflows: 0 };
    try {
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await client.workflowService.listWorkflowExecutions({ namespace, query, ...(nextPageToken ? { nextPageToken } : {}) });
        for (const execution of page.executions ?? []) {
          out.workflows += 1;
          flatten(execution, out);
          const { workflowId, runId } = execution.execution ?? {};
          flatten(await client.workflow.getHandle(workflowId ?? '', runId ?? undefined).fetchHistory(), out);
        }
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
    } finally {
      await connection.close();
    }
    return { ...out, text: out.text.join('\n') };
  };

  beforeAll(async () => {
    queue = uniqueName('e2e codec');
    writeFileSync(keys.v1, `${k1}\n`, { mode: 0o600 });
    writeFileSync(keys.rotated, `# k2 encrypts from now on; k1 still reads what it encrypted\n${k2}\n${k1}\n`, { mode: 0o600 });
    writeFileSync(keys.withoutK1, `${k2}\n`, { mode: 0o600 });
    mkdirSync(join(revision, 'scripts'), { recursive: true });
    mkdirSync(join(revision, 'app'), { recursive: true });
    writeFileSync(join(revision, 'app', 'index.html'), marker);
    writeFileSync(
      join(revision, 'appspec.yml'),
      `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n  ValidateService:\n    - location: scripts/validate.sh\n`,
    );
    writeFileSync(join(revision, 'scripts', 'start.sh'), `#!/bin/sh\nenv | sort > /srv/${app}/hook-env.txt\necho "${logLine}"\n`);
    // Fails while the revision carries fail-validate, printing a secret as a careless health check might.
    writeFileSync(join(revision, 'scripts', 'validate.sh'), `#!/bin/sh\nif [ -f "$(dirname "$0")/../fail-validate" ]; then echo "cannot connect with ${secret}" >&2; exit 3; fi\necho validated\n`);
    for (const script of ['start.sh', 'validate.sh']) chmodSync(join(revision, 'scripts', script), 0o755);
    writeFileSync(join(revision, 'fail-validate'), '');
    await start(keys.v1);
    expect((await cli(keys.v1, ['create-application', '--application-name', app])).code).toBe(0);
  });

  afterAll(async () => {
    codecServer?.kill('SIGTERM');
    await stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('runs a deployment whose every payload, failure message and UI summary is encrypted, and shows it to clients holding the key', async () => {
    const result = await cli(keys.v1, ['create-deployment', '--application-name', app, '--deployment-group-name', 'web', '--local-location', `path=${revision}`, '--target-hosts', hosts.join(','), '--wait']);
    expect(result.code, result.stderr).toBe(1);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    ids.push(view.deploymentId);
    expect(view.status).toBe('Failed');
    const events = view.targets[0]?.lifecycleEvents ?? [];
    expect(events.find((e) => e.lifecycleEventName === 'ApplicationStart')?.diagnostics?.logTail).toContain(logLine);
    expect(events.find((e) => e.lifecycleEventName === 'ValidateService')?.diagnostics?.logTail).toContain(secret);
    // The codec's keys never reach a hook's environment.
    const hookEnv = readFileSync(hostLayerPath(join(base, 'hosts', hosts[0]!), '/srv', app, 'hook-env.txt'), 'utf8');
    expect(hookEnv).toContain(`DEPLOYMENT_ID=${view.deploymentId}`);
    expect(hookEnv).not.toMatch(/CODEC/);
  });

  it('leaves no plaintext revision location, log line or secret in the raw histories and visibility records', async () => {
    const raw = await rawRecords(`TaskQueue = '${queue}'`);
    // The group, the deployment, its host and the catalogs; all of their payloads encrypted with k1.
    expect(raw.workflows).toBeGreaterThanOrEqual(4);
    expect(raw.encrypted).toBeGreaterThan(20);
    expect([...raw.keyIds]).toEqual(['k1']);
    expect(raw.text).toContain(ids[0]);
    expect(raw.text).not.toContain(`confidential-revision-${marker}`);
    expect(raw.text).not.toContain(logLine);
    expect(raw.text).not.toContain(secret);
    // Failure messages too (the agent's and the workflows'): they name the revision's scripts.
    expect(raw.text).not.toContain('scripts/validate.sh');
    expect(raw.text).toContain('Encoded failure');
    // Search attributes stay readable to the server, so the revision's is a keyed digest.
    expect(raw.text).toMatch(/hmac-k1-[A-Za-z0-9_-]{32}/);
    // The only plain payloads are search attributes, which the server must read to index them.
    const attributes = await rawRecords(`WorkflowId = '${ids[0]}'`);
    expect(attributes.plain).toBeGreaterThan(0);
  });

  it('serves the codec to the Temporal CLI through `gantry codec-server`, for holders of its token only', async () => {
    codecServer = spawn(process.execPath, [GANTRY_BIN, 'codec-server', '--listen', '127.0.0.1:0', '--codec-key-file', keys.v1], { env: { ...process.env, GANTRY_CODEC_SERVER_TOKEN: 'codec-token' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(codecServer, false);
    let url = '';
    await waitUntil('the codec server to listen', async () => {
      url = /codec server: (http:\/\/\S+)/.exec(output())?.[1] ?? '';
      return url !== '' || codecServer?.exitCode !== null;
    }, 20_000);
    expect(url, output()).not.toBe('');
    const show = (extra: string[]) =>
      new Promise<string>((resolve) => {
        const child = spawn(temporalCliPath(), ['workflow', 'show', '--workflow-id', `${ids[0]}/${hosts[0]}`, '--address', address, '--namespace', namespace, '--output', 'json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
        const text = collectOutput(child, false);
        // The CLI's JSON shows payloads in base64: read them as text too.
        child.on('close', () => resolve([text(), ...[...text().matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1] ?? '', 'base64').toString('utf8'))].join('\n')));
      });
    expect(await show([])).not.toContain(logLine);
    const decoded = await show(['--codec-endpoint', url, '--codec-auth', 'Bearer codec-token']);
    expect(decoded).toContain(logLine);
    expect(decoded).toContain(secret);
    // (The CLI retries a refused decode until its deadline, so the refusal is read from the server directly.)
    const refused = await fetch(`${url}/decode`, { method: 'POST', headers: { authorization: 'Bearer wrong-token' }, body: '{"payloads":[]}' });
    expect(refused.status).toBe(401);
  });

  it('rotates to a new key: new payloads use it, earlier ones stay readable, and a client without the old key says which it lacks', async () => {
    await stop();
    rmSync(join(revision, 'fail-validate'));
    await start(keys.rotated);
    const result = await cli(keys.rotated, ['create-deployment', '--application-name', app, '--deployment-group-name', 'web', '--local-location', `path=${revision}`, '--target-hosts', hosts.join(','), '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    ids.push(view.deploymentId);
    expect(readFileSync(hostLayerPath(join(base, 'hosts', hosts[0]!), '/srv', app, 'index.html'), 'utf8')).toBe(marker);

    const second = await rawRecords(`WorkflowId STARTS_WITH '${ids[1]}'`);
    expect([...second.keyIds]).toEqual(['k2']);
    expect(second.text).toMatch(/hmac-k2-/);

    const earlier = await cli(keys.rotated, ['get-deployment', '--deployment-id', ids[0]!]);
    expect(earlier.code, earlier.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(earlier.stdout).deploymentInfo)).toContain(secret);
    const lacking = await cli(keys.withoutK1, ['get-deployment', '--deployment-id', ids[0]!]);
    expect(lacking.code).not.toBe(0);
    expect(lacking.stderr).toMatch(/encrypted with key "k1", which is not among the codec's keys \(k2\)/);

    // Revision listings find deployments under both keys' digests, and show the revision itself.
    const used = await cli(keys.rotated, ['get-application-revision', '--application-name', app, '--local-location', `path=${revision}`]);
    expect(used.code, used.stderr).toBe(0);
    expect(JSON.parse(used.stdout).deployments.map((d: { deploymentId: string }) => d.deploymentId).sort()).toEqual([...ids].sort());
    const listed = await cli(keys.rotated, ['list-deployments', '--application-name', app]);
    expect(JSON.parse(listed.stdout).deployments).toHaveLength(2);
  });
});
