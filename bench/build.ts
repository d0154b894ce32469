import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GANTRY_BIN } from '../workers/agent-process.js';
import { stopProcess } from '../workers/processes.js';
import { startBenchAgent } from './agents.js';
import { median, processMemoryMiB, processTree } from './measure.js';

export interface ModeResult {
  /** Spawn of `gantry worker` until it reports its worker created (workflow bundle included). */
  workerStartSeconds: number[];
  /** The agent's process tree, idle after start-up. */
  agentIdleRssMiB: number;
  /** The agent's process tree's peak resident set, after a deployment of a small revision. */
  agentPeakRssMiB: number;
}

export interface BuildResult {
  buildSeconds: number;
  source: ModeResult;
  compiled: ModeResult;
}

interface Options {
  address: string;
  namespace: string;
  taskQueue: string;
  dir: string;
  motoEnv: NodeJS.ProcessEnv;
  runs: number;
  /** The compiled copy of the project (compiled-copy.ts). */
  copy: { bin: string; buildSeconds: number };
}

/** Seconds from spawning `gantry worker` until its "controller worker" line (then it is stopped). */
async function workerStart(bin: string, env: NodeJS.ProcessEnv, options: Options, queue: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'worker', '--address', options.address, '--namespace', options.namespace, '--task-queue', queue, '--log-format', 'json'], { env: { ...process.env, ...options.motoEnv, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('gantry controller worker')) resolve((performance.now() - started) / 1000);
    });
    child.once('exit', (code) => reject(new Error(`gantry worker exited (${code}) before it started:\n${output}`)));
  });
  try {
    return await ready;
  } finally {
    await stopProcess(child);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One agent of `bin`: idle resident set over 10 s after start-up, then its peak after one deployment. */
async function agentMemory(bin: string, env: NodeJS.ProcessEnv, options: Options, mode: string): Promise<{ idle: number; peak: number }> {
  const hostId = `bench-build-${mode}`;
  const agent = await startBenchAgent({ hostId, rootDir: join(options.dir, 'hosts', hostId), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue, env: { ...options.motoEnv, ...env }, bin });
  try {
    await sleep(5_000);
    const tree = (): number[] => processTree(agent.child.pid as number);
    const samples: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      samples.push(tree().reduce((sum, pid) => sum + processMemoryMiB(pid).rss, 0));
      await sleep(1_000);
    }
    const revision = join(options.dir, `revision-${mode}`);
    mkdirSync(join(revision, 'app'), { recursive: true });
    writeFileSync(join(revision, 'app', 'index.html'), mode);
    writeFileSync(join(revision, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${join(options.dir, 'installed', mode)}\nhooks:\n  ValidateService:\n    - location: check.sh\n`);
    writeFileSync(join(revision, 'check.sh'), '#!/bin/sh\necho ok\n');
    chmodSync(join(revision, 'check.sh'), 0o755);
    // Not spawnSync: the bench's own process runs the controller worker this deployment needs.
    const deployed = spawn(process.execPath, [GANTRY_BIN, 'create-deployment', '--address', options.address, '--namespace', options.namespace, '--task-queue', options.taskQueue, '--application-name', 'bench-build', '--deployment-group-name', mode, '--local-location', `path=${revision}`, '--target-hosts', hostId, '--wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    deployed.stdout.on('data', (c: Buffer) => (said += c.toString()));
    deployed.stderr.on('data', (c: Buffer) => (said += c.toString()));
    const code = await new Promise<number | null>((resolve) => deployed.once('close', resolve));
    if (code !== 0) throw new Error(`the ${mode} agent's deployment failed:\n${said}`);
    const peak = tree().reduce((sum, pid) => sum + processMemoryMiB(pid).peak, 0);
    return { idle: median(samples), peak };
  } finally {
    await agent.stop();
  }
}

/**
 * The compiled build against the sources, side by side: `npm run build` in a copy of the project
 * without tsx, then the controller worker's start time and an agent's idle and peak memory, each
 * from source (through tsx, the worker bundling its workflows) and compiled (prebuilt bundle).
 */
export async function measureBuild(options: Options): Promise<BuildResult> {
  const { copy } = options;
  const modes = { source: { bin: GANTRY_BIN, env: { GANTRY_FROM_SOURCE: '1' } }, compiled: { bin: copy.bin, env: {} } };
  const results: Partial<Record<keyof typeof modes, ModeResult>> = {};
  for (const [mode, { bin, env }] of Object.entries(modes) as [keyof typeof modes, (typeof modes)[keyof typeof modes]][]) {
    const workerStartSeconds: number[] = [];
    for (let i = 0; i < options.runs; i += 1) workerStartSeconds.push(await workerStart(bin, env, options, `bench-start-${mode}-${i}`));
    const memory = await agentMemory(bin, env, options, mode);
    results[mode] = { workerStartSeconds, agentIdleRssMiB: memory.idle, agentPeakRssMiB: memory.peak };
  }
  return { buildSeconds: copy.buildSeconds, source: results.source as ModeResult, compiled: results.compiled as ModeResult };
}
