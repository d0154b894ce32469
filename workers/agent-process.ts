import type { ChildProcess } from 'node:child_process';
import { ADDED_ENV } from '../agent/hook-runner.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSIDE_ENV, simulatedHostCommand } from '../agent/simulated-host.js';
import { settlesWithin, spawnTied, waitUntil } from './processes.js';
import { REPO_ROOT } from './tools.js';

export interface AgentProcessOptions {
  hostId: string;
  rootDir: string;
  address: string;
  namespace: string;
  tags?: Record<string, string>;
  zone?: string;
  /** `--elb-target` value: ID[:PORT]. */
  elbTarget?: string;
  /** Run in private namespaces as a simulated host (see agent/simulated-host.ts). */
  simulated?: boolean;
  privateDirs?: string[];
  /** The controller's task queue, where the agent registers (default `gantry`). */
  controllerTaskQueue?: string;
  maxRevisions?: number;
  /** `--download-stall-timeout` seconds (default 60). */
  downloadStallSeconds?: number;
  /** `--github-api-url` and `--github-token-file`. */
  github?: { apiUrl?: string; tokenFile?: string };
  /** `--metrics-listen HOST:PORT`: the agent's Prometheus endpoint. */
  metricsListen?: string;
  /** `--log-level` and `--log-format`. */
  log?: { level?: string; format?: string };
  /** `--codec-key-file`: the payload codec's keys. */
  codecKeyFile?: string;
  /** Extra environment for the agent (for example AWS settings). */
  env?: NodeJS.ProcessEnv;
  /** The `gantry` entry point to run (default this project's bin/gantry.mjs). */
  bin?: string;
  /** Where the agent's output goes (default: discarded). */
  output?: (chunk: string) => void;
}

export interface AgentProcess {
  hostId: string;
  child: ChildProcess;
  /** Resolves when the agent process has exited. */
  exited: Promise<number | null>;
  /** Graceful stop: the agent finishes (bounded) the event in flight, then exits. */
  stop(): Promise<void>;
  /** SIGKILL: the agent and, for a simulated host, everything it started die at once. */
  kill(): Promise<void>;
}

/** The agent's own shutdown grace (60 s) plus a margin. */
const STOP_GRACE_MS = 70_000;

export const GANTRY_BIN = join(REPO_ROOT, 'bin', 'gantry.mjs');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The simulated host's PID 1 (the reaper that runs the agent) under `unshare --fork`: its only child. */
function innerPid(unsharePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How an agent's Node process should run: it is idle nearly all the time and handles one event at a
 * time, so a small young generation (1 MiB semi-spaces rather than 16), one V8 helper thread and two
 * malloc arenas cost it nothing measurable and save about 35 MiB of resident memory (docs/benchmarks.md).
 * The README gives the same settings for agents started by hand or by a service manager.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--v8-pool-size=1'] as const;
export const AGENT_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * The agent process's environment: the caller's, plus Gantry's own settings where the caller set none.
 * Those added are named in GANTRY_AGENT_ADDED_ENV, so hooks do not inherit them.
 */
export function agentEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const added = Object.entries(AGENT_ENV).filter(([key]) => env[key] === undefined);
  return { ...env, ...Object.fromEntries(added), ...(added.length ? { [ADDED_ENV]: added.map(([key]) => key).join(',') } : {}) };
}

/** Starts `gantry agent` as a child process, tied to this process's lifetime. */
export function startAgentProcess(options: AgentProcessOptions): AgentProcess {
  const argv = [
    process.execPath,
    ...AGENT_NODE_FLAGS,
    options.bin ?? GANTRY_BIN,
    'agent',
    '--host-id', options.hostId,
    '--root', options.rootDir,
    '--address', options.address,
    '--namespace', options.namespace,
    ...Object.entries(options.tags ?? {}).flatMap(([k, v]) => ['--tag', `${k}=${v}`]),
    ...(options.zone ? ['--zone', options.zone] : []),
    ...(options.elbTarget ? ['--elb-target', options.elbTarget] : []),
    ...(options.controllerTaskQueue ? ['--controller-task-queue', options.controllerTaskQueue] : []),
    ...(options.maxRevisions ? ['--max-revisions', String(options.maxRevisions)] : []),
    ...(options.downloadStallSeconds ? ['--download-stall-timeout', String(options.downloadStallSeconds)] : []),
    ...(options.github?.apiUrl ? ['--github-api-url', options.github.apiUrl] : []),
    ...(options.github?.tokenFile ? ['--github-token-file', options.github.tokenFile] : []),
    ...(options.metricsListen ? ['--metrics-listen', options.metricsListen] : []),
    ...(options.codecKeyFile ? ['--codec-key-file', options.codecKeyFile] : []),
    ...(options.log?.level ? ['--log-level', options.log.level] : []),
    ...(options.log?.format ? ['--log-format', options.log.format] : []),
  ];
  const wrapped = options.simulated ? simulatedHostCommand(options.rootDir, argv, options.privateDirs) : { command: argv[0] as string, args: argv.slice(1) };
  // An unshare wrapper is killed outright when this process dies; its --kill-child then stops the agent.
  const child = spawnTied(wrapped.command, wrapped.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...agentEnvironment({ ...process.env, ...options.env }), [INSIDE_ENV]: options.simulated ? '1' : '' },
  }, options.simulated ? 'SIGKILL' : 'SIGTERM');
  const forward = (chunk: Buffer): void => options.output?.(chunk.toString());
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitGone = async (pid: number | undefined, timeoutMs: number): Promise<void> => {
    if (pid === undefined) return;
    await waitUntil(`agent ${options.hostId} to exit`, async () => !pidAlive(pid), timeoutMs, 50).catch(() => undefined);
  };

  return {
    hostId: options.hostId,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!options.simulated) {
        child.kill('SIGTERM');
        if (!(await settlesWithin(exited, STOP_GRACE_MS))) child.kill('SIGKILL');
        return;
      }
      // unshare does not forward signals: SIGTERM the host's PID 1, which passes it to the agent.
      const pid = child.pid ? innerPid(child.pid) : undefined;
      if (pid) process.kill(pid, 'SIGTERM');
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) child.kill('SIGKILL');
      await waitGone(pid, 5_000);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const pid = child.pid ? innerPid(child.pid) : undefined;
      if (pid) process.kill(pid, 'SIGKILL'); // PID 1 of the host: the kernel kills the rest, the agent included
      child.kill('SIGKILL');
      await exited;
      await waitGone(pid, 5_000);
    },
  };
}
