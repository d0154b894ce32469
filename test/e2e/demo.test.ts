import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GANTRY_BIN } from '../../workers/agent-process.js';
import { freePort } from '../../workers/processes.js';
import { scratchDir } from '../support/harness.js';

/** PIDs of live processes whose command line mentions `text` (the demo's scratch directory). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

async function noneLeft(text: string): Promise<number[]> {
  for (let i = 0; i < 50; i += 1) {
    if (processesMentioning(text).length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return processesMentioning(text);
}

function runGantry(dir: string, args: string[]) {
  const child = spawn(process.execPath, [GANTRY_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GANTRY_DEMO_DIR: dir },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('e2e: the Quickstart demo (npm start)', () => {
  it('deploys the sample app to three hosts, prints the outcome, and leaves no process behind', async () => {
    const dir = scratchDir('demo');
    const demo = runGantry(dir, ['demo']);
    const code = await demo.exited;
    expect(code, demo.output()).toBe(0);
    expect(demo.output()).toMatch(/host-3\s+ValidateService\s+Succeeded/);
    expect(demo.output()).toMatch(/Outcome:\s+Succeeded/);
    expect(demo.output()).toMatch(/Deployment ID:\s+d-[A-Z0-9]{9}/);
    expect(await noneLeft(dir)).toEqual([]);
  });

  it('Ctrl-C during the deployment stops everything at once', async () => {
    const dir = scratchDir('demo-int');
    const demo = runGantry(dir, ['demo']);
    for (let i = 0; i < 600 && !/host-1\s+\w+\s+InProgress/.test(demo.output()); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(demo.output()).toMatch(/host-1\s+\w+\s+InProgress/);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.output()).toContain('interrupted: stopping');
    expect(await noneLeft(dir)).toEqual([]);
  });

  it('keeps the stack up with --keep-running, and Ctrl-C stops everything', async () => {
    const dir = scratchDir('demo-keep');
    const demo = runGantry(dir, ['demo', '--keep-running']);
    for (let i = 0; i < 600 && !demo.output().includes('Stack kept running'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(demo.output()).toContain('Stack kept running');
    // Running: the dev server (its database is in dir) and three agents (their roots are in dir).
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(4);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(await noneLeft(dir)).toEqual([]);
  });

  it('`gantry dev` prints the address it serves, and Ctrl-C stops it without strays', async () => {
    const dir = scratchDir('dev');
    const port = await freePort();
    const dev = runGantry(dir, ['dev', '--headless', '--port', String(port), '--data-dir', dir]);
    for (let i = 0; i < 600 && !dev.output().includes('Ctrl-C stops'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(dev.output()).toContain(`Temporal: 127.0.0.1:${port}`);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(1);
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(await noneLeft(dir)).toEqual([]);
  });
});
