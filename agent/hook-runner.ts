import { spawn } from 'node:child_process';
import { access, chmod, constants, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { LifecycleErrorCode } from '../workflows/contracts/lifecycle.js';
import type { HookScript } from './appspec.js';
import type { ScriptLog } from './script-log.js';
import { settlesWithin } from './settles.js';
import credentialEnv from './credential-env.json' with { type: 'json' };

/** After SIGTERM, how long a script's process group gets before SIGKILL. */
export const KILL_GRACE_MS = 5_000;

/** After SIGKILL, how long the output may take to close before a process outside the group is blamed. */
const OUTPUT_RELEASE_MS = 1_000;

/** The longest single timer Node can arm (2^31-1 ms); longer waits are made of several. */
const MAX_TIMER_MS = 2_147_483_647;

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
 * with `/` as its working directory (as under the CodeDeploy agent) in its own process group with
 * stdin closed, and its timeout, or a cancellation, kills the whole group (SIGTERM, then SIGKILL).
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
      return fail('ScriptNotExecutable', `Unable to set script at specified location: ${script.location} as executable (${(err as Error).message})`);
    }
  }

  const isRoot = process.getuid?.() === 0;
  if (script.runas && !isRoot && !script.sudo) {
    return fail('ScriptFailed', `Script at ${script.location} is to run as user ${script.runas}, but the agent is not root; run the agent as root, or add sudo: true.`);
  }
  const [command, args] = scriptCommand(script, path, isRoot);
  const child = spawn(command, args, {
    // The CodeDeploy agent never changes directory and runs as a system service: scripts start in /.
    cwd: '/',
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
  /**
   * SIGTERM, then SIGKILL after the grace, to the script's whole process group. Resolves to whether its
   * output closed: a process that left the group (setsid, a daemon) can still hold it, and is not ours
   * to kill; its pipes are then let go so the event can end.
   */
  const killGroup = async (): Promise<boolean> => {
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* group already gone */
      }
    };
    signalGroup('SIGTERM');
    if (await settlesWithin(closed, KILL_GRACE_MS)) return true;
    signalGroup('SIGKILL');
    if (await settlesWithin(closed, OUTPUT_RELEASE_MS)) return true;
    child.stdout.destroy();
    child.stderr.destroy();
    return false;
  };
  const killed = (released: boolean): string =>
    released
      ? 'its process group was killed'
      : 'its process group was killed, but a process outside the group (started with setsid, or daemonized) still holds its output and was left running';
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
      // Node's timers overflow past 2^31-1 ms (about 24.8 days) and fire at once: wait in pieces.
      const arm = (): void => {
        const left = deadline - Date.now();
        if (left <= 0) done('timeout');
        else handle = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      arm();
    });
    try {
      return await Promise.race([what, timeout, cancelled]);
    } finally {
      clearTimeout(handle);
    }
  };
  const cancel = async (): Promise<never> => {
    const released = await killGroup();
    throw new ScriptsCancelledError(`Script at ${script.location} was cancelled; ${killed(released)}.`);
  };

  /** The script's outcome, once it has exited and released its output (or was stopped). */
  const outcome = async (): Promise<ScriptOutcome> => {
    const first = await untilDeadline(exited);
    if (first === 'cancelled') return cancel();
    if (first === 'timeout') {
      const released = await killGroup();
      return fail('ScriptTimedOut', `Script at specified location: ${script.location} failed to complete in ${script.timeout} seconds; ${killed(released)}.`);
    }
    if ('error' in first) {
      return fail('ScriptFailed', `Script at ${script.location} could not be started: ${first.error.message}`);
    }
    // The script has exited; its output pipes close once every process holding them has too. A background
    // child that keeps them open may not hold the event past the script's deadline.
    const second = await untilDeadline(closed);
    if (second === 'cancelled') return cancel();
    if (second === 'timeout') {
      const released = await killGroup();
      return fail(
        'UnknownError',
        `Script at ${script.location} exited, but a process it started kept its output open until the ${script.timeout}s timeout ` +
          `(redirect background processes: cmd > /dev/null 2>&1 < /dev/null &); ${killed(released)}.`,
      );
    }
    const { code, signal } = first;
    if (code === 0) return { ok: true };
    const who = script.runas ? ` run as user ${script.runas}` : '';
    return fail(
      'ScriptFailed',
      // The CodeDeploy agent's wording (hook_executor.rb).
      signal ? `Script at specified location: ${script.location}${who} was killed by signal ${signal}` : `Script at specified location: ${script.location}${who} failed with exit code ${code}`,
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
 * The command line for a script. The CodeDeploy agent runs `su <user> -c <path>` for `runas` (with
 * `sudo` in front for `sudo: true`), which hands the path to a shell: a space breaks it and a `;` runs
 * the rest as a command. Gantry runs the script itself, never through a shell: `runuser -u <user> --
 * <path>` (su's own code, without a password prompt: the same user, groups, HOME, USER and LOGNAME),
 * with `--` so that neither value can be read as an option. `runas` is checked as a user name when the
 * AppSpec is parsed.
 */
export function scriptCommand(script: HookScript, path: string, isRoot: boolean): [string, string[]] {
  const base: [string, string[]] = script.runas ? ['runuser', ['-u', script.runas, '--', path]] : [path, []];
  return script.sudo && !isRoot ? ['sudo', ['-n', '--', base[0], ...base[1]]] : base;
}

/**
 * What never reaches a hook script. As the CodeDeploy agent passes its environment on, only
 * credentials are taken out: AWS keys, tokens and credential files or endpoints, Temporal's API key and
 * TLS key material, anything named like a secret, and Gantry's own settings. AWS_REGION, AWS_PROFILE,
 * AWS_CA_BUNDLE and the rest stay: scripts calling the AWS CLI depend on them.
 */
const CREDENTIAL_ENV_IN_HOOKS = new RegExp(
  `${credentialEnv.pattern}|^(AWS_SHARED_CREDENTIALS_FILE|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_CONTAINER_CREDENTIALS_FULL_URI|AWS_CONTAINER_CREDENTIALS_RELATIVE_URI|AWS_CONTAINER_AUTHORIZATION_TOKEN|AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE|TEMPORAL_TLS_CLIENT_KEY_PATH|TEMPORAL_TLS_KEY_PATH)$|^GANTRY_`,
  'i',
);

/** Names of variables Gantry added to the agent's own process (agent-process.ts), comma-separated. */
export const ADDED_ENV = 'GANTRY_AGENT_ADDED_ENV';

/** The environment of a hook script: the agent's, minus its credentials and Gantry's own additions, plus CodeDeploy's variables. */
export function scriptEnvironment(base: NodeJS.ProcessEnv, vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const added = new Set((base[ADDED_ENV] ?? '').split(',').filter(Boolean));
  for (const [key, value] of Object.entries(base)) if (!CREDENTIAL_ENV_IN_HOOKS.test(key) && !added.has(key)) env[key] = value;
  for (const [key, value] of Object.entries(vars)) if (value !== undefined) env[key] = value;
  return env;
}
