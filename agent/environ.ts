/**
 * Keeps the agent's credentials out of `/proc/<agent>/environ`. The kernel serves that file from the
 * environment block the process was started with, which changing `process.env` does not touch; any
 * root hook could otherwise read the agent's AWS keys and Temporal API key there. What a root hook
 * can still reach is in docs/threat-model.md.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import credentialEnv from './credential-env.json' with { type: 'json' };

/** Where bin/gantry.mjs leaves the credentials it took out of the environment before loading anything. */
const STASH = Symbol.for('gantry.withdrawnCredentials');

/**
 * Credentials: taken out of the environment once read. AWS keys and tokens, the Temporal API key and
 * TLS key material, and anything named like a secret. Paths and settings (AWS_REGION, AWS_PROFILE,
 * AWS_WEB_IDENTITY_TOKEN_FILE, TEMPORAL_ADDRESS…) stay: the SDKs' own chains read them later.
 */
export const CREDENTIAL_ENV = new RegExp(credentialEnv.pattern, 'i');

/** The start and end of the process's start-up environment block (fields 50 and 51 of /proc/self/stat). */
function environBlock(): { start: number; end: number } | undefined {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[47]);
  const end = Number(fields[48]);
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && end > start ? { start, end } : undefined;
}

export interface WithdrawnCredentials {
  /** The environment as it was, credentials included: for the clients the agent builds itself. */
  env: NodeJS.ProcessEnv;
  /** The variables removed from process.env (so no child process inherits them) and blanked. */
  withdrawn: string[];
  /** Why the start-up block could not be blanked, if it could not (off Linux, no /proc/self/mem). */
  skipped?: string;
}

/**
 * Takes the credentials out of this process's environment: a snapshot is returned for the agent's
 * own clients, the variables are deleted from process.env (so no child process inherits them), and
 * their values in the start-up block are overwritten with `*`.
 */
export function withdrawCredentials(pattern: RegExp = CREDENTIAL_ENV): WithdrawnCredentials {
  // The `gantry agent` entry point withdraws them before tsx starts its esbuild service, which would
  // otherwise inherit them; anything it did not take is taken here.
  const stashed = ((globalThis as Record<symbol, unknown>)[STASH] ?? {}) as NodeJS.ProcessEnv;
  const env = { ...process.env, ...stashed };
  const withdrawn = Object.keys(env).filter((name) => pattern.test(name));
  for (const name of withdrawn) Reflect.deleteProperty(process.env, name);
  if (withdrawn.length === 0) return { env, withdrawn };
  if (process.platform !== 'linux') return { env, withdrawn, skipped: 'not Linux' };
  let fd: number | undefined;
  try {
    const block = environBlock();
    if (!block) return { env, withdrawn, skipped: 'the environment block is not in /proc/self/stat' };
    fd = openSync('/proc/self/mem', 'r+');
    const bytes = Buffer.alloc(block.end - block.start);
    readSync(fd, bytes, 0, bytes.length, block.start);
    for (let at = 0; at < bytes.length; ) {
      let end = bytes.indexOf(0, at);
      if (end === -1) end = bytes.length;
      const equals = bytes.indexOf(0x3d, at); // '='
      if (equals > at && equals < end && withdrawn.includes(bytes.subarray(at, equals).toString('utf8'))) bytes.fill(0x2a, equals + 1, end);
      at = end + 1;
    }
    writeSync(fd, bytes, 0, bytes.length, block.start);
    return { env, withdrawn };
  } catch (err) {
    return { env, withdrawn, skipped: (err as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
