import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { GANTRY_BIN, startAgentProcess, type AgentProcess } from '../../workers/agent-process.js';
import { connectClient } from '../../workers/connection.js';
import { startCluster } from '../../workers/cluster.js';
import { startLocalStack, type LocalStack } from '../../workers/local-stack.js';
import { gantry } from '../support/cli.js';
import { scratchDir, stackAddress, uniqueName } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

/** A controller worker as its own process (`gantry worker`), so the test can SIGKILL it. */
function startWorkerProcess(address: string, namespace: string, taskQueue: string): ChildProcess {
  return spawn(process.execPath, [GANTRY_BIN, 'worker', '--address', address, '--namespace', namespace, '--task-queue', taskQueue], { stdio: 'ignore' });
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Crashes of Gantry's own processes mid-deployment lose nothing: a SIGKILLed controller worker is
 * replaced and the deployment carries on with no hook run twice; a dev server restarted on its
 * database file, and the Temporal server on PostgreSQL SIGKILLed and started again, do the same.
 * (A SIGKILLed agent is covered in fleet.test.ts.)
 */
describe('e2e: durability (real processes)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  async function scenario(label: string, address: string, namespace: string) {
    const name = uniqueName(label);
    const app = `gantry-e2e-${name}`;
    const base = scratchDir(`e2e-${label}`);
    const marker = join(base, 'fail-at');
    writeProbeRevision(join(base, 'v1'), app, marker);
    const hosts = [`${name}-h1`, `${name}-h2`];
    const agents: AgentProcess[] = hosts.map((hostId) =>
      startAgentProcess({ hostId, rootDir: join(base, 'hosts', hostId), address, namespace, simulated: true, controllerTaskQueue: name }),
    );
    cleanups.push(async () => void (await Promise.all(agents.map((a) => a.kill()))));
    const hookLog = (hostId: string): string[] =>
      readFileSync(hostLayerPath(join(base, 'hosts', hostId), '/srv', `${app}-state`, 'hooks.log'), 'utf8').trim().split('\n');
    const start = async (): Promise<string> => {
      writeFileSync(`${marker}.slow`, '3');
      const started = await gantry(['create-deployment', '--address', address, '--namespace', namespace, '--task-queue', name, '--application-name', 'durable', '--deployment-group-name', name, '--local-location', `path=${join(base, 'v1')}`, '--target-hosts', hosts.join(',')]);
      expect(started.code, started.stderr).toBe(0);
      return JSON.parse(started.stdout).deploymentId as string;
    };
    /** Waits until host 1 runs its slow ApplicationStart (the crash point). */
    const midHook = async (deploymentId: string): Promise<void> => {
      const { client, connection } = await connectClient({ address, namespace });
      try {
        for (let i = 0; i < 200; i += 1) {
          const status = await client.workflow
            .getHandle(`${deploymentId}/${hosts[0]}`)
            .query<{ lifecycleEvents: { lifecycleEventName: string; status: string }[] }>('status')
            .catch(() => undefined);
          if (status?.lifecycleEvents.some((e) => e.lifecycleEventName === 'ApplicationStart' && e.status === 'InProgress')) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('host 1 never reached ApplicationStart');
      } finally {
        await connection.close();
      }
    };
    const result = async (deploymentId: string): Promise<DeploymentView> => {
      for (;;) {
        const got = await gantry(['get-deployment', '--address', address, '--namespace', namespace, '--deployment-id', deploymentId]);
        const view = got.stdout.startsWith('{') ? (JSON.parse(got.stdout).deploymentInfo as DeploymentView) : undefined;
        if (view && ['Succeeded', 'Failed', 'Stopped'].includes(view.status)) return view;
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    const checkOnce = (deploymentId: string): void => {
      rmSync(`${marker}.slow`, { force: true });
      for (const hostId of hosts) {
        const lines = hookLog(hostId).filter((l) => l.startsWith(deploymentId));
        // First deployment: no ApplicationStop scripts; each of the other hooks exactly once.
        expect(lines.map((l) => l.split(' ')[1])).toEqual(['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
      }
    };
    return { name, start, midHook, result, checkOnce };
  }

  it('a controller worker SIGKILLed mid-deployment and started again: the deployment carries on, no hook runs twice', async () => {
    const { address, namespace } = stackAddress();
    const s = await scenario('crash-controller', address, namespace);
    let worker = startWorkerProcess(address, namespace, s.name);
    cleanups.push(() => killed(worker));
    const deploymentId = await s.start();
    await s.midHook(deploymentId);
    await killed(worker);
    await new Promise((r) => setTimeout(r, 1000));
    worker = startWorkerProcess(address, namespace, s.name);
    const view = await s.result(deploymentId);
    expect(view.status).toBe('Succeeded');
    s.checkOnce(deploymentId);
  });

  it('the dev server restarted on its database file mid-deployment: nothing is lost', async () => {
    const dataDir = scratchDir('e2e-restart-stack');
    let stack: LocalStack = await startLocalStack({ dataDir, uiPort: false, moto: false });
    cleanups.push(() => stack.stop());
    const port = Number(stack.temporalAddress.split(':')[1]);
    const s = await scenario('restart-server', stack.temporalAddress, stack.namespace);
    const worker = startWorkerProcess(stack.temporalAddress, stack.namespace, s.name);
    cleanups.push(() => killed(worker));
    const deploymentId = await s.start();
    await s.midHook(deploymentId);
    await stack.stop();
    stack = await startLocalStack({ dataDir, port, uiPort: false, moto: false });
    const view = await s.result(deploymentId);
    expect(view.status).toBe('Succeeded');
    s.checkOnce(deploymentId);
  });

  it('the Temporal server on PostgreSQL SIGKILLed mid-hook and started again: nothing is lost, no hook runs twice', async () => {
    const dataDir = scratchDir('e2e-kill-cluster');
    const cluster = await startCluster({ dataDir, fsync: false });
    // No server, database or data directory is left behind.
    cleanups.push(async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const s = await scenario('kill-cluster', cluster.temporalAddress, cluster.namespace);
    const worker = startWorkerProcess(cluster.temporalAddress, cluster.namespace, s.name);
    cleanups.push(() => killed(worker));
    const deploymentId = await s.start();
    await s.midHook(deploymentId);
    await killed(cluster.server());
    await cluster.restartServer();
    const view = await s.result(deploymentId);
    expect(view.status).toBe('Succeeded');
    s.checkOnce(deploymentId);
  });
});
