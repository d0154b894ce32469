import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createAgentActivities } from '../agent/activities.js';
import { EventJournal } from '../agent/journal.js';
import { AgentLayout } from '../agent/layout.js';
import { s3ClientOnDemand } from '../agent/main.js';
import { connectWorker } from '../workers/connection.js';
import { newDeploymentId, startDeployment } from '../workers/deployments.js';
import type { LifecycleEventInput, LifecycleEventResult } from '../workflows/contracts/agent.js';
import type { DeploymentContext } from '../workflows/contracts/deployment.js';
import { deriveDeploymentGroupId } from '../workflows/contracts/deployment.js';
import type { AgentEventName } from '../workflows/contracts/lifecycle.js';
import { IN_PLACE_EVENTS } from '../workflows/contracts/lifecycle.js';
import { hostWorkflowId } from '../workflows/contracts/naming.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import type { FloorActivities } from './floor-workflows.js';
import { eventPhases, type EventPhases } from './history-phases.js';
import { startBenchAgent } from './agents.js';
import { median, processCpuSeconds, processTree } from './measure.js';

const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
/** An in-place deployment's agent events, in order: the five hooks, DownloadBundle and Install. */
const EVENTS = IN_PLACE_EVENTS as readonly AgentEventName[];

/** CPU seconds per deployment, by process. */
export interface CpuByProcess {
  server: number;
  controller: number;
  agent: number;
}

export interface OverheadResult {
  runs: number;
  events: number;
  archiveBytes: number;
  deploymentMedianMs: number;
  /** The same hooks' scripts run one after another with spawnSync. */
  directMedianMs: number;
  /** The agent's own code doing the deployment's work in this process, without Temporal (the floor). */
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
 * The floor a deployment is measured against: the agent's own activities (download and verify the
 * archive, extract, install, run each hook with its log and journal) called one after another in this
 * process, with no Temporal server, workflow or task queue in between.
 */
function localAgentRun(rootDir: string, revision: RevisionLocation): () => Promise<number> {
  const layout = new AgentLayout(rootDir);
  const activities = createAgentActivities({ hostId: 'bench-local', layout, journal: new EventJournal(layout), s3: s3ClientOnDemand(process.env) });
  const applicationName = 'bench';
  const deploymentGroupName = 'local';
  return async () => {
    const deployment: DeploymentContext = {
      deploymentId: newDeploymentId(),
      applicationName,
      deploymentGroupName,
      deploymentGroupId: deriveDeploymentGroupId(applicationName, deploymentGroupName),
      revision,
      creator: 'user',
      ignoreApplicationStopFailures: false,
    };
    const started = performance.now();
    for (const event of EVENTS) {
      const run = activities[event] as (input: LifecycleEventInput) => Promise<LifecycleEventResult>;
      const result: LifecycleEventResult = await new MockActivityEnvironment().run(run, { deployment, hostId: 'bench-local' });
      if (result.status !== 'Succeeded') throw new Error(`the local run's ${event} did not succeed: ${result.diagnostics.message}`);
    }
    return performance.now() - started;
  };
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
  options: { address: string; namespace: string; taskQueue: string; dir: string; runs: number; serverPid?: number; agentBin?: string },
): Promise<OverheadResult> {
  const destination = join(options.dir, 'installed');
  const { archive, sha256, scripts } = writeTrueRevision(join(options.dir, 'revision'), destination);
  const revision: RevisionLocation = { revisionType: 'Local', local: { path: archive, bundleType: 'tgz', sha256 } };
  const hostId = 'bench-host';
  const agent = await startBenchAgent({ hostId, rootDir: join(options.dir, 'host'), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue, bin: options.agentBin });
  const local = localAgentRun(join(options.dir, 'local-host'), revision);
  try {
    const deploy = async (): Promise<{ ms: number; id: string; cpu: CpuByProcess }> => {
      const before = { server: treeCpu(options.serverPid), controller: ownCpu(), agent: treeCpu(agent.child.pid) };
      const started = performance.now();
      const id = await startDeployment(client, { applicationName: 'bench', deploymentGroupName: 'overhead', revision, targetHosts: [hostId] }, { taskQueue: options.taskQueue });
      await client.workflow.getHandle(id).result();
      const ms = performance.now() - started;
      const cpu = { server: treeCpu(options.serverPid) - before.server, controller: ownCpu() - before.controller, agent: treeCpu(agent.child.pid) - before.agent };
      return { ms, id, cpu };
    };
    // Warm-up: the first deployment has no ApplicationStop and warms every cache; so does the first local run.
    await deploy();
    await local();
    const deployments: Awaited<ReturnType<typeof deploy>>[] = [];
    const direct: number[] = [];
    const locals: number[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      deployments.push(await deploy());
      locals.push(await local());
      const started = performance.now();
      for (const script of scripts) spawnSync(script, { stdio: 'ignore' });
      direct.push(performance.now() - started);
    }
    rmSync(destination, { recursive: true, force: true });
    const last = deployments[deployments.length - 1] as (typeof deployments)[number];
    const phases = eventPhases(await client.workflow.getHandle(hostWorkflowId(last.id, hostId)).fetchHistory());
    const deploymentMedianMs = median(deployments.map((d) => d.ms));
    const directMedianMs = median(direct);
    return {
      runs: options.runs,
      events: EVENTS.length,
      archiveBytes: readFileSync(archive).length,
      deploymentMedianMs,
      directMedianMs,
      localMedianMs: median(locals),
      overheadPerEventMedianMs: (deploymentMedianMs - directMedianMs) / EVENTS.length,
      // Means: /proc counts CPU in 10 ms ticks, too coarse for one deployment's median.
      cpu: { server: mean(deployments.map((d) => d.cpu.server)), controller: mean(deployments.map((d) => d.cpu.controller)), agent: mean(deployments.map((d) => d.cpu.agent)) },
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
