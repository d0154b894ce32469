import { spawn } from 'node:child_process';
import { access, chmod, constants, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { LifecycleErrorCode } from '../workflows/contracts/lifecycle.js';
import type { HookScript } from './appspec.js';
import type { ScriptLog } from './script-log.js';

/** After SIGTERM, how long a script's process group gets before SIGKILL. */
export const KILL_GRACE_MS = 5_000;

export type ScriptOutcome =
  | { ok: true }
  | { ok: false; errorCode: Exclude<LifecycleErrorCode, 'Success'>; scriptName: string; message: string };

export interface RunScriptsOptions {
  event: string;
  scripts: readonly HookScript[];
  /** The extracted revision the scripts come from. */
  archiveDir: string;
  env: NodeJS.ProcessEnv;
  log: ScriptLog;
  /** Aborted when the activity is cancelled: the running script's process group is killed. */
  signal?: AbortSignal;
  /** Called as each script starts. */
  onScript?: (script: HookScript) => void;
}

/** Thrown when the run was cancelled through `signal`; the script's process group is already dead. */
export class ScriptsCancelledError extends Error {
  override readonly name = 'ScriptsCancelledError';
}

/**
 * Runs one lifecycle event's scripts in order, the first failure ending the event. Each script runs
 * from the revision directory in its own process group with stdin closed, and its timeout, or a
 * cancellation, kills the whole group (SIGTERM, then SIGKILL).
 */
export async function runScripts(options: RunScriptsOptions): Promise<ScriptOutcome> {
  options.log.note(`LifecycleEvent - ${options.event}`);
  for (const script of options.scripts) {
    options.onScript?.(script);
    options.log.note(`Script - ${script.location}`);
    const outcome = await runScript(script, options);
    if (!outcome.ok) {
      options.log.note(`Failed - ${outcome.message}`);
      return outcome;
    }
  }
  return { ok: true };
}

async function runScript(script: HookScript, options: RunScriptsOptions): Promise<ScriptOutcome> {
  const { archiveDir, log } = options;
  const path = resolve(archiveDir, script.location);
  const fail = (errorCode: Exclude<LifecycleErrorCode, 'Success'>, message: string): ScriptOutcome => ({
    ok: false,
    errorCode,
    scriptName: script.location,
    message,
  });
  const rel = relative(archiveDir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    return fail('ScriptMissing', `Script location ${script.location} points outside the revision; scripts must be inside it.`);
  }
  try {
    const info = await stat(path);
    if (!info.isFile()) return fail('ScriptMissing', `Script at ${script.location} is not a file (${path}).`);
  } catch {
    return fail('ScriptMissing', `Script does not exist at specified location: ${path}`);
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    // The CodeDeploy agent makes scripts executable before running them; so does Gantry.
    try {
      const info = await stat(path);
      await chmod(path, info.mode | 0o111);
    } catch (err) {
      return fail('ScriptNotExecutable', `Unable to make the script at ${script.location} executable: ${(err as Error).message}`);
    }
  }

  const [command, args] = scriptCommand(script, path, process.getuid?.() === 0);
  const child = spawn(command, args, {
    cwd: archiveDir,
    env: options.env,
    detached: true, // its own process group, so a timeout can kill everything the script started
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => log.output('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => log.output('stderr', chunk));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (error) => done({ error }));
  });
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  const deadline = Date.now() + script.timeout * 1000;
  const killGroup = async (): Promise<void> => {
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* group already gone */
      }
    };
    signalGroup('SIGTERM');
    await Promise.race([closed, delay(KILL_GRACE_MS)]);
    signalGroup('SIGKILL');
  };
  let onAbort = (): void => undefined;
  const cancelled = new Promise<'cancelled'>((done) => {
    onAbort = () => done('cancelled');
    if (options.signal?.aborted) done('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  /** Waits for `what`, the script's deadline, or a cancellation, whichever comes first. */
  const untilDeadline = async <T>(what: Promise<T>): Promise<T | 'timeout' | 'cancelled'> => {
    let handle: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((done) => {
      handle = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([what, timeout, cancelled]);
    } finally {
      clearTimeout(handle);
    }
  };
  const cancel = async (): Promise<never> => {
    await killGroup();
    throw new ScriptsCancelledError(`Script at ${script.location} was cancelled; its process group was killed.`);
  };

  /** The script's outcome, once it has exited and released its output (or was stopped). */
  const outcome = async (): Promise<ScriptOutcome> => {
    const first = await untilDeadline(exited);
    if (first === 'cancelled') return cancel();
    if (first === 'timeout') {
      await killGroup();
      return fail('ScriptTimedOut', `Script at ${script.location} failed to complete in ${script.timeout} seconds; its process group was killed.`);
    }
    if ('error' in first) {
      return fail('ScriptFailed', `Script at ${script.location} could not be started: ${first.error.message}`);
    }
    // The script has exited; its output pipes close once every process holding them has too. A background
    // child that keeps them open may not hold the event past the script's deadline.
    const second = await untilDeadline(closed);
    if (second === 'cancelled') return cancel();
    if (second === 'timeout') {
      await killGroup();
      return fail(
        'UnknownError',
        `Script at ${script.location} exited, but a process it started kept its output open until the ${script.timeout}s timeout ` +
          '(redirect background processes: cmd > /dev/null 2>&1 < /dev/null &); the process group was killed.',
      );
    }
    const { code, signal } = first;
    if (code === 0) return { ok: true };
    const who = script.runas ? ` run as user ${script.runas}` : '';
    return fail(
      'ScriptFailed',
      signal ? `Script at ${script.location}${who} was killed by signal ${signal}` : `Script at ${script.location}${who} failed with exit code ${code}`,
    );
  };
  try {
    return await outcome();
  } finally {
    // The signal belongs to the whole event: leave no listener behind for each of its scripts.
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The command line the CodeDeploy agent uses: `su <user> -c <path>` for `runas`, prefixed with `sudo`
 * for `sudo: true` (which an agent running as root does not need).
 */
export function scriptCommand(script: HookScript, path: string, isRoot: boolean): [string, string[]] {
  const base: [string, string[]] = script.runas ? ['su', [script.runas, '-c', path]] : [path, []];
  return script.sudo && !isRoot ? ['sudo', [base[0], ...base[1]]] : base;
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}

/** Agent environment variables that must never reach hook scripts (credentials and agent settings). */
const SECRET_ENV = /^(TEMPORAL_|AWS_|GANTRY_)/;

/** The environment of a hook script: the agent's, minus its secrets, plus CodeDeploy's variables. */
export function scriptEnvironment(base: NodeJS.ProcessEnv, vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!SECRET_ENV.test(key)) env[key] = value;
  for (const [key, value] of Object.entries(vars)) if (value !== undefined) env[key] = value;
  return env;
}
