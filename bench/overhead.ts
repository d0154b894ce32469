import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { AGENT_NODE_FLAGS, agentEnvironment } from '../workers/agent-process.js';
import { REPO_ROOT } from '../workers/tools.js';
import { connectWorker } from '../workers/connection.js';
import { startDeployment } from '../workers/deployments.js';
import type { AgentEventName } from '../workflows/contracts/lifecycle.js';
import { IN_PLACE_EVENTS } from '../workflows/contracts/lifecycle.js';
import { hostWorkflowId } from '../workflows/contracts/naming.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import type { FloorActivities } from './floor-workflows.js';
import { eventPhases, timeline, type EventPhases } from './history-phases.js';
import { startBenchAgent } from './agents.js';
import { median, processCpuSeconds, processTree } from './measure.js';

const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
/** An in-place deployment's agent events, in order: the five hooks, DownloadBundle and Install. */
const EVENTS = IN_PLACE_EVENTS as readonly AgentEventName[];

/** CPU seconds per deployment, by process. */
export interface CpuByProcess {
  server: number;
  /** `gantry worker`: the workflows and the controller's activities. */
  controller: number;
  agent: number;
  /** This process: the client that starts the deployment and waits for its result. */
  client: number;
}

export interface OverheadResult {
  runs: number;
  events: number;
  archiveBytes: number;
  deploymentMedianMs: number;
  /** The same hooks' scripts run one after another with spawnSync, in that same process. */
  directMedianMs: number;
  /** The agent's own code doing the deployment's work in a lean process of its own, without Temporal (the floor). */
  localMedianMs: number;
  overheadPerEventMedianMs: number;
  /** Means per deployment. */
  cpu: CpuByProcess;
  phases: EventPhases;
}

/** A tgz revision whose every hook runs `true`, with one file to install; returns the archive and its hook scripts. */
export function writeTrueRevision(dir: string, destination: string): { archive: string; sha256: string; scripts: string[] } {
  const source = join(dir, 'source');
  mkdirSync(join(source, 'scripts'), { recursive: true });
  mkdirSync(join(source, 'app'), { recursive: true });
  writeFileSync(join(source, 'app', 'index.html'), 'bench');
  for (const hook of HOOKS) {
    const path = join(source, 'scripts', `${hook}.sh`);
    writeFileSync(path, '#!/bin/sh\ntrue\n');
    chmodSync(path, 0o755);
  }
  writeFileSync(
    join(source, 'appspec.yml'),
    `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${destination}\nfile_exists_behavior: OVERWRITE\nhooks:\n${HOOKS.map((h) => `  ${h}:\n    - location: scripts/${h}.sh\n`).join('')}`,
  );
  const archive = join(dir, 'revision.tgz');
  execFileSync('tar', ['-czf', archive, '-C', source, '.']);
  return { archive, sha256: createHash('sha256').update(readFileSync(archive)).digest('hex'), scripts: HOOKS.map((h) => join(source, 'scripts', `${h}.sh`)) };
}

/**
 * The floor a deployment is measured against: the agent's own compiled activities (download and
 * verify the archive, extract, install, run each hook with its log and journal) one after another in
 * a process of their own (local-floor.mjs), with no Temporal server, workflow or task queue between.
 */
async function localAgentRuns(compiledRoot: string, rootDir: string, archive: string, sha256: string, runs: number, scripts: string[]): Promise<{ ms: number[]; directMs: number[] }> {
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, join(REPO_ROOT, 'bench', 'local-floor.mjs'), join(compiledRoot, 'dist'), rootDir, archive, sha256, String(runs), ...scripts], {
    cwd: compiledRoot,
    env: agentEnvironment(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the local floor run failed (${code}):\n${out}`);
  return JSON.parse(out.trim().split('\n').pop() as string) as { ms: number[]; directMs: number[] };
}

/** CPU seconds of a process tree, exited and reaped children (the hooks' scripts) included. */
const treeCpu = (pid: number | undefined): number => (pid === undefined ? 0 : processTree(pid).reduce((sum, p) => sum + processCpuSeconds(p, { reapedChildren: true }), 0));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const ownCpu = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/**
 * Figure 1: one real agent, a tgz revision whose hooks each run `true`; each run is a whole
 * deployment, side by side with the agent's own code doing the same work without Temporal, and with
 * the scripts run directly. CPU is read per process around each deployment.
 */
export async function measureOverhead(
  client: Client,
  options: { address: string; namespace: string; taskQueue: string; dir: string; runs: number; serverPid?: number; controllerPid: number; compiledRoot: string },
): Promise<OverheadResult> {
  const destination = join(options.dir, 'installed');
  const { archive, sha256, scripts } = writeTrueRevision(join(options.dir, 'revision'), destination);
  const revision: RevisionLocation = { revisionType: 'Local', local: { path: archive, bundleType: 'tgz', sha256 } };
  const hostId = 'bench-host';
  const agent = await startBenchAgent({ hostId, rootDir: join(options.dir, 'host'), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue, bin: join(options.compiledRoot, 'bin', 'gantry.mjs') });
  try {
    const deploy = async (): Promise<{ ms: number; id: string; cpu: CpuByProcess }> => {
      const cpu = (): CpuByProcess => ({ server: treeCpu(options.serverPid), controller: treeCpu(options.controllerPid), agent: treeCpu(agent.child.pid), client: ownCpu() });
      const before = cpu();
      const started = performance.now();
      const id = await startDeployment(client, { applicationName: 'bench', deploymentGroupName: 'overhead', revision, targetHosts: [hostId] }, { taskQueue: options.taskQueue });
      await client.workflow.getHandle(id).result();
      const ms = performance.now() - started;
      const after = cpu();
      return { ms, id, cpu: { server: after.server - before.server, controller: after.controller - before.controller, agent: after.agent - before.agent, client: after.client - before.client } };
    };
    // Warm-up: the first deployment has no ApplicationStop and warms every cache.
    await deploy();
    const deployments: Awaited<ReturnType<typeof deploy>>[] = [];
    for (let i = 0; i < options.runs; i += 1) deployments.push(await deploy());
    const local = await localAgentRuns(options.compiledRoot, join(options.dir, 'local-host'), archive, sha256, options.runs, scripts);
    rmSync(destination, { recursive: true, force: true });
    const last = deployments[deployments.length - 1] as (typeof deployments)[number];
    // GANTRY_BENCH_TIMELINE=1: the last deployment's and its host's histories, event by event, on stderr.
    if (process.env.GANTRY_BENCH_TIMELINE) {
      for (const workflowId of [last.id, hostWorkflowId(last.id, hostId)]) console.error(timeline(workflowId, await client.workflow.getHandle(workflowId).fetchHistory()));
    }
    const phases = eventPhases(await client.workflow.getHandle(hostWorkflowId(last.id, hostId)).fetchHistory());
    const deploymentMedianMs = median(deployments.map((d) => d.ms));
    const directMedianMs = median(local.directMs);
    return {
      runs: options.runs,
      events: EVENTS.length,
      archiveBytes: readFileSync(archive).length,
      deploymentMedianMs,
      directMedianMs,
      localMedianMs: median(local.ms),
      overheadPerEventMedianMs: (deploymentMedianMs - directMedianMs) / EVENTS.length,
      // Means: /proc counts CPU in 10 ms ticks, too coarse for one deployment's median.
      cpu: { server: mean(deployments.map((d) => d.cpu.server)), controller: mean(deployments.map((d) => d.cpu.controller)), agent: mean(deployments.map((d) => d.cpu.agent)), client: mean(deployments.map((d) => d.cpu.client)) },
      phases,
    };
  } finally {
    await agent.stop();
  }
}

export interface FloorResult {
  runs: number;
  activities: number;
  perActivityMedianMs: number;
}

/**
 * Temporal's own cost of one activity in a sequence, on this machine and dev server: a workflow of
 * as many no-op activities as a deployment has agent events (served by a second worker, as an
 * agent's are), less an empty workflow.
 */
export async function measureEngineFloor(client: Client, options: { address: string; namespace: string; runs: number }): Promise<FloorResult> {
  const require = createRequire(import.meta.url);
  const { connection } = await connectWorker({ address: options.address, namespace: options.namespace });
  const workflowQueue = 'gantry-bench-floor';
  const activityQueue = 'gantry-bench-floor-activities';
  const workflows = await Worker.create({ connection, namespace: options.namespace, taskQueue: workflowQueue, workflowsPath: require.resolve('./floor-workflows.ts') });
  const activities = await Worker.create({ connection, namespace: options.namespace, taskQueue: activityQueue, activities: { noop: async () => undefined } satisfies FloorActivities });
  const running = [workflows.run(), activities.run()];
  try {
    const chain = async (count: number): Promise<number> => {
      const started = performance.now();
      await client.workflow.execute('activityChain', { taskQueue: workflowQueue, workflowId: `bench-floor-${count}-${Date.now()}`, args: [count, activityQueue] });
      return performance.now() - started;
    };
    await chain(EVENTS.length); // warm-up
    const perActivity: number[] = [];
    for (let i = 0; i < options.runs; i += 1) perActivity.push(((await chain(EVENTS.length)) - (await chain(0))) / EVENTS.length);
    return { runs: options.runs, activities: EVENTS.length, perActivityMedianMs: median(perActivity) };
  } finally {
    workflows.shutdown();
    activities.shutdown();
    await Promise.all(running);
    await connection.close();
  }
}
