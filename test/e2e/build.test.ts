/**
 * `npm run build` and what runs it: in a copy of the project whose node_modules lacks tsx, the
 * compiled CLI, controller worker (with the prebuilt workflow bundle) and agent deploy a revision;
 * an edited source afterwards makes `gantry` run the sources again instead of the stale build.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../../workers/agent-process.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { spawnTied, stopProcess, waitUntil } from '../../workers/processes.js';
import { compiledCopy } from '../../bench/compiled-copy.js';
import { gantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, uniqueName } from '../support/harness.js';

describe('e2e: the compiled build', () => {
  const base = scratchDir('e2e-build');
  let copy = '';
  let bin = '';
  const name = uniqueName('build');
  const queue = uniqueName('e2e build');
  const hostId = `${name}-h1`;
  const app = `gantry-e2e-${name}`;
  const { address, namespace } = stackAddress();
  let controller: ReturnType<typeof spawnTied> | undefined;
  let agent: AgentProcess | undefined;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

  beforeAll(() => {
    ({ root: copy, bin } = compiledCopy(base));
  }, 180_000);

  afterAll(async () => {
    await agent?.stop();
    if (controller) await stopProcess(controller);
  });

  it('runs the compiled CLI, worker and agent without tsx, the worker on the prebuilt workflow bundle', async () => {
    const version = run(['--version']);
    expect(version.stdout).toMatch(/^gantry \d+\.\d+\.\d+ \(compiled build of \d{4}-/);
    const stamp = JSON.parse(readFileSync(join(copy, 'dist', 'build-stamp.json'), 'utf8'));
    expect(version.stdout).toContain(stamp.builtAt);

    controller = spawnTied(process.execPath, [bin, 'worker', '--address', address, '--namespace', namespace, '--task-queue', queue, '--log-format', 'json'], { env: { ...process.env, ...motoEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    controller.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitUntil('the compiled controller worker to start', async () => output.includes('gantry controller worker') || controller?.exitCode !== null, 60_000);
    expect(output).toContain('gantry controller worker');
    // The prebuilt bundle: the SDK says it bundles only when it is given sources.
    expect(output).not.toMatch(/Workflow bundle created/);

    agent = startAgentProcess({ hostId, rootDir: join(base, 'hosts', hostId), address, namespace, controllerTaskQueue: queue, simulated: true, env: motoEnv(), bin });
    const revision = join(base, 'revision');
    mkdirSync(join(revision, 'app'), { recursive: true });
    writeFileSync(join(revision, 'app', 'index.html'), 'compiled');
    writeFileSync(join(revision, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\nhooks:\n  ValidateService:\n    - location: check.sh\n`);
    writeFileSync(join(revision, 'check.sh'), '#!/bin/sh\necho validated\n');
    chmodSync(join(revision, 'check.sh'), 0o755);
    const deployed = spawnSync(process.execPath, [bin, 'create-deployment', '--address', address, '--namespace', namespace, '--task-queue', queue, '--application-name', app, '--deployment-group-name', 'web', '--local-location', `path=${revision}`, '--target-hosts', hostId, '--wait'], { encoding: 'utf8' });
    expect(deployed.status, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout).deploymentInfo.status).toBe('Succeeded');
    expect(readFileSync(hostLayerPath(join(base, 'hosts', hostId), '/srv', app, 'index.html'), 'utf8')).toBe('compiled');
  });

  it('runs the sources again, not the stale build, once a source changes', async () => {
    appendFileSync(join(copy, 'workers', 'cli', 'render.ts'), '\n// edited after the build\n');
    // This copy has no tsx, so running the sources fails: proof it did not run dist/.
    const stale = run(['--version']);
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toMatch(/tsx/);
    // In the project itself (tsx installed), an edited tree runs from source.
    const source = await gantry(['--version'], { GANTRY_FROM_SOURCE: '1' });
    expect(source.stdout).toMatch(/\(from source; Node\.js/);
  });
});
