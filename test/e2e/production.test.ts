/**
 * Gantry as production runs it, from one `npm run build` (in a copy of the project whose node_modules
 * lacks tsx, so what runs there runs compiled or not at all):
 * - the agent on a real host: packaging/install.sh into a throwaway root, the unit file checked by
 *   systemd's own verifier, the installed agent run under the unit's command line and settings to take
 *   a deployment, `gantry agent --check`, and packaging/uninstall.sh;
 * - the compiled CLI, controller worker (prebuilt workflow bundle) and agent deploying a revision; then
 *   an edited source makes `gantry` run the sources again instead of the stale build (last: it edits the copy).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledCopy } from '../../bench/compiled-copy.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { startAgentProcess, type AgentProcess } from '../../workers/agent-process.js';
import { spawnTied, stopProcess, waitUntil } from '../../workers/processes.js';
import { gantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, uniqueName, type Harness } from '../support/harness.js';

/** One build for the whole file (it takes about 10 s). */
const built = { root: '', bin: '' };
beforeAll(() => {
  Object.assign(built, compiledCopy(scratchDir('e2e-production')));
}, 180_000);

/** systemd's unit syntax, enough for this unit: one value per key, the last one winning. */
function parseUnit(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) keys[match[1] as string] = match[2] as string;
  }
  return keys;
}

/** An EnvironmentFile: KEY=VALUE lines, comments and blank lines skipped. */
function parseEnvironmentFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^"(.*)"$/, '$1')]),
  );
}

describe('e2e: the agent installed on a host (install.sh, systemd unit, --check, uninstall.sh)', () => {
  const base = scratchDir('e2e-install');
  const root = join(base, 'root');
  const name = uniqueName('install');
  const hostId = `${name}-web-1`;
  const app = `gantry-e2e-${name}`;
  const { address, namespace } = stackAddress();
  let harness: Harness;
  let source = '';
  let agent: ReturnType<typeof spawn> | undefined;
  const inRoot = (path: string): string => join(root, path);
  const install = (args: string[]) => spawnSync('bash', [join(source, 'packaging', 'install.sh'), '--root-dir', root, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e install'));
    // The built copy to install from (so the project's own tree is never built mid-suite).
    source = built.root;
  }, 180_000);

  afterAll(async () => {
    if (agent) await stopProcess(agent);
    await harness?.close();
  });

  it('installs the build, settings, state directory, log rotation and a unit that systemd accepts', () => {
    const refused = install(['--address', address]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--host-id is required/);

    const result = install(['--host-id', hostId, '--address', address, '--namespace', namespace, '--tag', 'app=web', '--tag', 'tier=front', '--zone', 'us-east-1a', '--aws-region', 'us-east-1', '--controller-task-queue', harness.taskQueue, '--no-start']);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(existsSync(inRoot('opt/gantry/dist/build-stamp.json'))).toBe(true);
    expect(existsSync(inRoot('opt/gantry/node_modules/@temporalio/worker'))).toBe(true);
    // Production dependencies only: no TypeScript, no tsx, no vitest on the host.
    for (const dev of ['typescript', 'tsx', 'vitest']) expect(existsSync(inRoot(`opt/gantry/node_modules/${dev}`)), dev).toBe(false);
    const settings = parseEnvironmentFile(readFileSync(inRoot('etc/gantry/agent.env'), 'utf8'));
    expect(settings).toMatchObject({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, AWS_REGION: 'us-east-1', GANTRY_LOG_FORMAT: 'json' });
    expect(settings.GANTRY_AGENT_ARGS).toBe(`--host-id ${hostId} --tag app=web --tag tier=front --zone us-east-1a --controller-task-queue ${harness.taskQueue}`);
    expect(statSync(inRoot('etc/gantry/agent.env')).mode & 0o777).toBe(0o600);
    expect(statSync(inRoot('var/lib/gantry')).mode & 0o777).toBe(0o700);
    expect(readFileSync(inRoot('etc/logrotate.d/gantry-agent'), 'utf8')).toMatch(/^\/var\/log\/gantry\/agent\.log \{[\s\S]*copytruncate[\s\S]*\}/);

    const unit = parseUnit(readFileSync(inRoot('etc/systemd/system/gantry-agent.service'), 'utf8'));
    expect(unit).toMatchObject({ EnvironmentFile: '/etc/gantry/agent.env', KillMode: 'process', Restart: 'always', WantedBy: 'multi-user.target' });
    const verifier = spawnSync('systemd-analyze', ['--version']);
    if (verifier.status === 0) {
      const verified = spawnSync('systemd-analyze', ['verify', inRoot('etc/systemd/system/gantry-agent.service')], { encoding: 'utf8' });
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stderr).not.toMatch(/Unknown key|Invalid|Missing/i);
    }

    // A second install (an upgrade) keeps the settings someone may have edited.
    writeFileSync(inRoot('etc/gantry/agent.env'), `${readFileSync(inRoot('etc/gantry/agent.env'), 'utf8')}# edited by hand\n`);
    expect(install(['--host-id', hostId, '--address', address, '--no-start']).status).toBe(0);
    expect(readFileSync(inRoot('etc/gantry/agent.env'), 'utf8')).toContain('# edited by hand');
  }, 120_000);

  it("runs the installed agent under the unit's command line and settings, and it takes a deployment", async () => {
    const unit = parseUnit(readFileSync(inRoot('etc/systemd/system/gantry-agent.service'), 'utf8'));
    const settings = parseEnvironmentFile(readFileSync(inRoot('etc/gantry/agent.env'), 'utf8'));
    const environment = Object.fromEntries((unit.Environment ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    // systemd's expansion: $VAR becomes its words; the host's paths are the throwaway root's.
    const words = (unit.ExecStart ?? '').split(/\s+/).flatMap((word) => (word.startsWith('$') ? (settings[word.slice(1)] ?? '').split(/\s+/).filter(Boolean) : [word]));
    const command = words.map((word) => (/^\/(opt|var|etc)\/gantry/.test(word) || /^\/(opt|var|etc)\/lib\/gantry/.test(word) ? inRoot(word.slice(1)) : word));
    expect(command.slice(1)).toEqual(['--max-semi-space-size=1', '--v8-pool-size=1', inRoot('opt/gantry/bin/gantry.mjs'), 'agent', '--root', inRoot('var/lib/gantry'), ...(settings.GANTRY_AGENT_ARGS ?? '').split(' ')]);
    mkdirSync(inRoot('var/log/gantry'), { recursive: true });
    const log = openSync(inRoot('var/log/gantry/agent.log'), 'a');
    agent = spawn(command[0] as string, command.slice(1), { env: { PATH: process.env.PATH, ...settings, ...environment, ...motoEnv(), AWS_REGION: settings.AWS_REGION }, stdio: ['ignore', log, log] });

    const revision = join(base, 'revision');
    const destination = join(base, 'srv', app);
    mkdirSync(join(revision, 'app'), { recursive: true });
    writeFileSync(join(revision, 'app', 'index.html'), 'installed');
    writeFileSync(join(revision, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${destination}\nhooks:\n  ValidateService:\n    - location: check.sh\n`);
    writeFileSync(join(revision, 'check.sh'), '#!/bin/sh\necho "validated on $(hostname)"\n');
    chmodSync(join(revision, 'check.sh'), 0o755);
    // The host joins by its tags, as an installed host would.
    const group = await gantry(['create-deployment-group', '--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue, '--application-name', app, '--deployment-group-name', 'web', '--tag-filters', 'Key=tier,Value=front,Type=KEY_AND_VALUE']);
    expect(group.code, group.stderr).toBe(0);
    await expect.poll(() => readFileSync(inRoot('var/log/gantry/agent.log'), 'utf8'), { timeout: 60_000 }).toContain('polling');
    const deployed = await gantry(['create-deployment', '--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue, '--application-name', app, '--deployment-group-name', 'web', '--local-location', `path=${revision}`, '--wait']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const view = JSON.parse(deployed.stdout).deploymentInfo;
    expect(view.targets.map((t: { targetId: string; status: string }) => [t.targetId, t.status])).toEqual([[hostId, 'Succeeded']]);
    expect(readFileSync(join(destination, 'index.html'), 'utf8')).toBe('installed');
    // Its state is in the unit's state directory, its log lines (JSON, as configured) in the unit's log.
    expect(existsSync(inRoot('var/lib/gantry/deployment-root'))).toBe(true);
    const lines = readFileSync(inRoot('var/log/gantry/agent.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'ValidateService succeeded')).toMatchObject({ hostId, deploymentId: view.deploymentId, event: 'ValidateService' });
  }, 120_000);

  it('writes settings that both systemd and a shell read the same way', () => {
    const sourced = spawnSync('bash', ['-c', `set -a; . '${inRoot('etc/gantry/agent.env')}'; printf '%s' "$GANTRY_AGENT_ARGS"`], { encoding: 'utf8' });
    expect(sourced.status, sourced.stderr).toBe(0);
    expect(sourced.stdout).toBe(parseEnvironmentFile(readFileSync(inRoot('etc/gantry/agent.env'), 'utf8')).GANTRY_AGENT_ARGS);
  });

  it('checks an installed agent with `gantry agent --check`, and says what is wrong', async () => {
    const settings = parseEnvironmentFile(readFileSync(inRoot('etc/gantry/agent.env'), 'utf8'));
    const check = (env: Record<string, string>) =>
      spawnSync(process.execPath, [inRoot('opt/gantry/bin/gantry.mjs'), 'agent', '--check', '--root', inRoot('var/lib/gantry'), ...(settings.GANTRY_AGENT_ARGS ?? '').split(' ')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...settings, ...motoEnv(), ...env } });
    const good = check({});
    expect(good.status, good.stdout).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`^ok {3}temporal: connected to ${address.replace(/\./g, '\\.')}, namespace ${namespace}$`, 'm'));
    expect(good.stdout).toMatch(/^ok {3}controller: a controller worker polls /m);
    expect(good.stdout).toMatch(/^ok {3}state directory: /m);
    const bad = check({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^fail temporal: could not connect to Temporal at 127\.0\.0\.1:1 \(without TLS\)/m);
    expect(bad.stdout).toMatch(/1 check\(s\) failed/);
    const namespaceless = check({ TEMPORAL_NAMESPACE: `missing-${name}` });
    expect(namespaceless.status).toBe(1);
    expect(namespaceless.stdout).toMatch(/^fail temporal: connected to .*, but namespace missing-.* cannot be used/m);
  }, 60_000);

  it('uninstalls, keeping the settings and state unless purged', async () => {
    if (agent) await stopProcess(agent);
    agent = undefined;
    const uninstall = (args: string[]) => spawnSync('bash', [join(source, 'packaging', 'uninstall.sh'), '--root-dir', root, ...args], { encoding: 'utf8' });
    expect(uninstall([]).status).toBe(0);
    for (const gone of ['opt/gantry', 'etc/systemd/system/gantry-agent.service', 'etc/logrotate.d/gantry-agent']) expect(existsSync(inRoot(gone)), gone).toBe(false);
    for (const kept of ['etc/gantry/agent.env', 'var/lib/gantry/deployment-root', 'var/log/gantry/agent.log']) expect(existsSync(inRoot(kept)), kept).toBe(true);
    expect(uninstall(['--purge']).status).toBe(0);
    for (const gone of ['etc/gantry', 'var/lib/gantry', 'var/log/gantry']) expect(existsSync(inRoot(gone)), gone).toBe(false);
  });
});

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
    ({ root: copy, bin } = built);
  });

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
