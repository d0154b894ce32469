import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { startAgentProcess } from '../workers/agent-process.js';
import { connectWorker } from '../workers/connection.js';
import { startDeployment } from '../workers/deployments.js';
import type { FloorActivities } from './floor-workflows.js';
import { median } from './measure.js';

const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
/** Agent-side events of an in-place deployment: the five hooks plus DownloadBundle and Install. */
const EVENTS = 7;

export interface OverheadResult {
  runs: number;
  events: number;
  deploymentMedianMs: number;
  directMedianMs: number;
  overheadPerEventMedianMs: number;
}

/** A revision whose every hook runs `true`, and nothing to install but one file. */
function writeTrueRevision(dir: string): string[] {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  mkdirSync(join(dir, 'app'), { recursive: true });
  writeFileSync(join(dir, 'app', 'index.html'), 'bench');
  const scripts = HOOKS.map((hook) => {
    const path = join(dir, 'scripts', `${hook}.sh`);
    writeFileSync(path, '#!/bin/sh\ntrue\n');
    chmodSync(path, 0o755);
    return path;
  });
  writeFileSync(
    join(dir, 'appspec.yml'),
    `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/gantry-bench\nhooks:\n${HOOKS.map((h) => `  ${h}:\n    - location: scripts/${h}.sh\n`).join('')}`,
  );
  return scripts;
}

/**
 * Figure 1: one real agent (a simulated host), a revision whose hooks each run `true`; each run is a
 * whole deployment, side by side with the same scripts run directly one after another.
 */
export async function measureOverhead(client: Client, options: { address: string; namespace: string; taskQueue: string; dir: string; runs: number }): Promise<OverheadResult> {
  const scripts = writeTrueRevision(join(options.dir, 'revision'));
  const agent = startAgentProcess({ hostId: 'bench-host', rootDir: join(options.dir, 'host'), address: options.address, namespace: options.namespace, simulated: true, controllerTaskQueue: options.taskQueue });
  try {
    const deploy = async (): Promise<number> => {
      const started = performance.now();
      const id = await startDeployment(
        client,
        { applicationName: 'bench', deploymentGroupName: 'overhead', revision: { revisionType: 'Local', local: { path: join(options.dir, 'revision') } }, targetHosts: ['bench-host'], fileExistsBehavior: 'OVERWRITE' },
        { taskQueue: options.taskQueue },
      );
      await client.workflow.getHandle(id).result();
      return performance.now() - started;
    };
    await deploy(); // warm-up: the first deployment has no ApplicationStop and warms every cache
    const deployments: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      deployments.push(await deploy());
      const started = performance.now();
      for (const script of scripts) spawnSync(script, { stdio: 'ignore' });
      direct.push(performance.now() - started);
    }
    const deploymentMedianMs = median(deployments);
    const directMedianMs = median(direct);
    return { runs: options.runs, events: EVENTS, deploymentMedianMs, directMedianMs, overheadPerEventMedianMs: (deploymentMedianMs - directMedianMs) / EVENTS };
  } finally {
    await agent.kill();
  }
}

export interface FloorResult {
  runs: number;
  activities: number;
  perActivityMedianMs: number;
}

/**
 * Temporal's own cost of one activity in a sequence, on this machine and dev server: a workflow of
 * EVENTS no-op activities (served by a second worker, as an agent's are), less an empty workflow.
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
    await chain(EVENTS); // warm-up
    const perActivity: number[] = [];
    for (let i = 0; i < options.runs; i += 1) perActivity.push(((await chain(EVENTS)) - (await chain(0))) / EVENTS);
    return { runs: options.runs, activities: EVENTS, perActivityMedianMs: median(perActivity) };
  } finally {
    workflows.shutdown();
    activities.shutdown();
    await Promise.all(running);
    await connection.close();
  }
}
