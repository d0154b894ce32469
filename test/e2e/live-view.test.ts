/**
 * The live view in a real pseudo-terminal: `gantry watch-deployment` runs under `script` (a pty sized
 * 120x40), its output goes through a headless xterm, and the test reads the screen as a person would.
 * Off a terminal the same command writes JSON lines, or plain lines with --output text.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Terminal } from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { type AgentProcess, GANTRY_BIN } from '../../workers/agent-process.js';
import { connectedGantry, gantry } from '../support/cli.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** A command in a 120x40 pseudo-terminal; `screen()` is what the terminal shows now. */
function inTerminal(args: string[]): { screen: () => string; exited: Promise<number | null> } {
  const terminal = new Terminal({ cols: 120, rows: 40, allowProposedApi: true });
  const command = `stty cols 120 rows 40; exec ${[process.execPath, GANTRY_BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color' } });
  child.stdout.on('data', (chunk: Buffer) => terminal.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const screen = (): string => {
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < terminal.rows; y += 1) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines.join('\n');
  };
  // The xterm parser writes asynchronously; give it the last chunk before the screen is read at exit.
  return { screen, exited: exited.then((code) => new Promise((resolve) => terminal.write('', () => resolve(code)))) };
}

describe('e2e: the live view of a deployment, in a pseudo-terminal', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  const name = uniqueName('live');
  const app = `gantry-live-${name}`;
  const base = scratchDir('e2e-live');
  const release = join(base, 'release');
  const hosts = [`${name}-a`, `${name}-b`];
  const { address, namespace } = stackAddress();
  const connection = (): string[] => ['--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue];
  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });

  beforeAll(async () => {
    const revision = join(base, 'revision');
    mkdirSync(join(revision, 'scripts'), { recursive: true });
    writeFileSync(join(revision, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n  ValidateService:\n    - location: scripts/validate.sh\n');
    writeFileSync(join(revision, 'scripts', 'start.sh'), `#!/bin/sh\nwhile [ ! -f ${release} ]; do sleep 0.1; done\n`);
    // Only the second host has the marker in its own /srv, so only it fails validation.
    writeFileSync(join(revision, 'scripts', 'validate.sh'), `#!/bin/sh\nif [ -f /srv/${app}-broken ]; then echo "checking port 8080" >&2; echo "connection refused on 8080" >&2; exit 7; fi\n`);
    for (const script of ['start.sh', 'validate.sh']) chmodSync(join(revision, 'scripts', script), 0o755);
    const marker = hostLayerPath(join(base, 'hosts', hosts[1] as string), '/srv', `${app}-broken`);
    mkdirSync(join(marker, '..'), { recursive: true });
    writeFileSync(marker, '');
    harness = await startController(uniqueName('e2e live view'));
    agents = startHosts(hosts, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue });
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
  });

  it('shows every host with its current event and elapsed time, updated in place, then the outcome and the failure log tail', async () => {
    const started = await cli(['create-deployment', '--application-name', 'live-app', '--deployment-group-name', name, '--target-hosts', hosts.join(','), '--deployment-config-name', 'AllAtOnce', '--local-location', `path=${join(base, 'revision')}`]);
    expect(started.code, started.stderr).toBe(0);
    const deploymentId = started.json.deploymentId as string;
    const watch = inTerminal(['watch-deployment', '--deployment-id', deploymentId, ...connection()]);

    // Both hosts wait in ApplicationStart; the elapsed time counts up on the same line.
    const waiting = new RegExp(`${hosts[0]}\\s+ApplicationStart\\s+InProgress\\s+(\\d+\\.\\d)s[\\s\\S]*${hosts[1]}\\s+ApplicationStart\\s+InProgress`);
    await expect.poll(watch.screen, { timeout: 60_000 }).toMatch(waiting);
    const first = Number(waiting.exec(watch.screen())?.[1]);
    await expect.poll(() => Number(waiting.exec(watch.screen())?.[1]), { timeout: 10_000 }).toBeGreaterThan(first);
    expect(watch.screen()).toMatch(new RegExp(`^${deploymentId}  live-app/${name}  InProgress  CodeDeployDefault.AllAtOnce`, 'm'));
    // Redrawn in place: the header is on the screen once, not once per update.
    expect(watch.screen().split('\n').filter((line) => line.startsWith(deploymentId))).toHaveLength(1);

    writeFileSync(release, '');
    // AllAtOnce needs one healthy host: the deployment succeeds with one host failed, as CodeDeploy's does.
    expect(await watch.exited).toBe(0);
    const screen = watch.screen();
    expect(screen).toMatch(new RegExp(`^${deploymentId}  live-app/${name}  Succeeded  CodeDeployDefault.AllAtOnce`, 'm'));
    expect(screen).toMatch(/1 succeeded, 1 failed, 0 in progress/);
    expect(screen).toMatch(new RegExp(`${hosts[1]}\\s+ValidateService\\s+Failed\\s+\\S+\\s+ScriptFailed: Script at specified location: scripts/validate\\.sh`));
    expect(screen).toMatch(/│ \[stderr\]checking port 8080\n\s+│ \[stderr\]connection refused on 8080/);
    expect(screen).toMatch(new RegExp(`${hosts[0]}\\s+Succeeded\\s+\\d`));
    expect(screen.split('\n').filter((line) => line.startsWith(deploymentId))).toHaveLength(1);

    // Off a terminal: one JSON line per change (the last is the end), or plain lines with --output text.
    const json = await gantry(['watch-deployment', '--deployment-id', deploymentId, ...connection()]);
    expect(json.code).toBe(0);
    const views = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { deploymentInfo: { status: string } });
    expect(views.at(-1)?.deploymentInfo.status).toBe('Succeeded');
    const text = await gantry(['watch-deployment', '--deployment-id', deploymentId, '--output', 'text', ...connection()]);
    expect(text.stdout).toMatch(new RegExp(`${hosts[1]}\\s+ValidateService\\s+Failed: ScriptFailed`));
    expect(text.stdout).not.toContain('\x1b[');

    // create-deployment --wait draws the same view on the terminal, then prints its summary.
    const waited = inTerminal(['create-deployment', '--application-name', 'live-app', '--deployment-group-name', name, '--target-hosts', hosts.join(','), '--deployment-config-name', 'AllAtOnce', '--local-location', `path=${join(base, 'revision')}`, '--wait', '--output', 'text', ...connection()]);
    expect(await waited.exited).toBe(0);
    expect(waited.screen()).toMatch(new RegExp(`^d-\\w{9}  live-app/${name}  Succeeded  CodeDeployDefault.AllAtOnce  \\d+\\.\\ds\n  1 succeeded, 1 failed`, 'm'));
    const unknown = await gantry(['watch-deployment', '--deployment-id', 'd-NOSUCHONE', ...connection()]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/deployment d-NOSUCHONE does not exist/)]);
  });
});
