import { execFileSync, spawn } from 'node:child_process';
import { GANTRY_BIN } from '../../workers/agent-process.js';

/** Runs the `gantry` command; resolves with its exit code and output. */
export function gantry(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GANTRY_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `gantry` against a given stack and controller queue, with the JSON it printed parsed (undefined
 * when it printed none, as on a usage error).
 */
export function connectedGantry(target: { address: string; namespace: string; taskQueue: () => string }) {
  return async (args: string[]) => {
    const result = await gantry([...args, '--address', target.address, '--namespace', target.namespace, '--task-queue', target.taskQueue()]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command prints its own shape
    const json: any = result.stdout.trim().startsWith('{') ? JSON.parse(result.stdout) : undefined;
    return { ...result, json };
  };
}

/** Whether a process whose command line contains `text` is running (simulated hosts' PID namespaces are visible from here). */
export function processRunning(text: string): boolean {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}
