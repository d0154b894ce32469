import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import { hostWorkflowId } from '../../workflows/contracts/naming.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { gantry } from '../support/cli.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';

/**
 * A revision whose hooks append to a log (event, version) and dump their environment, installing an
 * app directory and a config file to absolute paths private to each simulated host.
 */
function writeRevision(dir: string, app: string, version: string, options: { failValidate?: boolean; files: Record<string, string>; hooks?: string[] }): void {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  for (const [name, body] of Object.entries(options.files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  writeFileSync(
    join(dir, 'appspec.yml'),
    `version: 0.0
os: linux
files:
  - source: app
    destination: /srv/${app}/app
  - source: config/app.conf
    destination: /etc/${app}
hooks:
${(options.hooks ?? ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'])
  .map((event) => `  ${event}:\n    - location: scripts/hook.sh\n      timeout: 30\n`)
  .join('')}`,
  );
  writeFileSync(
    join(dir, 'scripts', 'hook.sh'),
    `#!/bin/sh
set -eu
mkdir -p /srv/${app}/state
echo "$LIFECYCLE_EVENT ${version}" >> /srv/${app}/state/hooks.log
env | sort > /srv/${app}/state/env-$LIFECYCLE_EVENT.txt
echo "ran $LIFECYCLE_EVENT of ${version}"
${options.failValidate ? `if [ "$LIFECYCLE_EVENT" = ValidateService ]; then echo "health check failed for ${version}" >&2; exit 7; fi` : ''}
`,
  );
  chmodSync(join(dir, 'scripts', 'hook.sh'), 0o755);
}

describe('e2e: in-place deployment through the real stack', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  const name = uniqueName('slice');
  const app = `gantry-e2e-${name}`;
  const hosts = [1, 2, 3].map((n) => `${name}-h${n}`);
  const base = scratchDir('e2e-slice');
  const rootOf = (hostId: string): string => join(base, 'hosts', hostId);
  const onHost = (hostId: string, dir: string, ...rest: string[]): string => hostLayerPath(rootOf(hostId), dir, app, ...rest);
  const { address, namespace } = stackAddress();
  let firstId = '';

  const deploy = (revision: string, extra: string[] = []) =>
    gantry([
      'create-deployment', '--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue,
      '--application-name', 'e2e-app', '--deployment-group-name', name,
      '--local-location', `path=${revision}`, '--target-hosts', hosts.join(','), '--wait', ...extra,
    ]);

  beforeAll(async () => {
    // A secret in the agents' environment that hook scripts must never see.
    process.env.AWS_SECRET_ACCESS_KEY = 'must-not-reach-scripts';
    harness = await startController(uniqueName('e2e slice'));
    agents = startHosts(hosts, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue });
    delete process.env.AWS_SECRET_ACCESS_KEY;
    writeRevision(join(base, 'v1'), app, 'v1', { files: { 'app/index.html': 'v1', 'app/old.txt': 'only in v1', 'config/app.conf': 'x=1' } });
    writeRevision(join(base, 'v2'), app, 'v2', { failValidate: true, files: { 'app/index.html': 'v2', 'app/new.txt': 'only in v2', 'config/app.conf': 'x=2' } });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await harness?.close();
  });

  it('deploys a real revision to three real agents with `gantry create-deployment --wait`', async () => {
    const result = await deploy(join(base, 'v1'));
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    firstId = view.deploymentId;
    expect(view.status).toBe('Succeeded');
    expect(view.targets.map((t) => t.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(result.stderr).toMatch(new RegExp(`${hosts[2]}\\s+ValidateService\\s+Succeeded`));

    for (const hostId of hosts) {
      // Files landed in each host's own view of /srv and /etc, not on the machine's.
      expect(readFileSync(onHost(hostId, '/srv', 'app', 'index.html'), 'utf8')).toBe('v1');
      expect(readFileSync(onHost(hostId, '/etc', 'app.conf'), 'utf8')).toBe('x=1');
      // No ApplicationStop on a first deployment: there is no previous revision on the host.
      expect(readFileSync(onHost(hostId, '/srv', 'state', 'hooks.log'), 'utf8')).toBe('BeforeInstall v1\nAfterInstall v1\nApplicationStart v1\nValidateService v1\n');
      const env = readFileSync(onHost(hostId, '/srv', 'state', 'env-AfterInstall.txt'), 'utf8');
      expect(env).toContain(`DEPLOYMENT_ID=${firstId}`);
      expect(env).toContain('LIFECYCLE_EVENT=AfterInstall');
      expect(env).toContain('APPLICATION_NAME=e2e-app');
      expect(env).toContain(`DEPLOYMENT_GROUP_NAME=${name}`);
      expect(env).toContain(`DEPLOYMENT_GROUP_ID=${view.deploymentGroupId}`);
      expect(env).not.toContain('must-not-reach-scripts');
      expect(env).not.toMatch(/^TEMPORAL_/m);
    }
    expect(existsSync(`/srv/${app}`)).toBe(false);
    expect(existsSync(`/etc/${app}`)).toBe(false);
  });

  it('shows every host and lifecycle event with `gantry get-deployment`', async () => {
    const result = await gantry(['get-deployment', '--address', address, '--namespace', namespace, '--deployment-id', firstId]);
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    expect(view.deploymentOverview).toMatchObject({ Succeeded: 3, Failed: 0 });
    const host1 = view.targets[0];
    expect(host1?.lifecycleEvents.map((e) => `${e.lifecycleEventName}:${e.status}`)).toEqual([
      'ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded',
      'AfterInstall:Succeeded', 'ApplicationStart:Succeeded', 'ValidateService:Succeeded',
    ]);
    expect(host1?.lifecycleEvents.find((e) => e.lifecycleEventName === 'ApplicationStart')?.diagnostics?.logTail).toBe('[stdout]ran ApplicationStart of v1');
    const text = await gantry(['get-deployment', '--address', address, '--deployment-id', firstId, '--output', 'text']);
    expect(text.stdout).toMatch(new RegExp(`${firstId}\\s+Succeeded`));
  });

  it('redeploys: stops the old revision with its own scripts, cleans up its files, and reports a failing hook', async () => {
    const result = await deploy(join(base, 'v2'));
    expect(result.code).toBe(1);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    expect(view.status).toBe('Failed');
    expect(view.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    expect(view.targets.map((t) => t.status)).toEqual(['Failed', 'Skipped', 'Skipped']);
    const validate = view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'ValidateService');
    expect(validate?.status).toBe('Failed');
    expect(validate?.diagnostics).toMatchObject({ errorCode: 'ScriptFailed', scriptName: 'scripts/hook.sh' });
    expect(validate?.diagnostics?.message).toMatch(/exit code 7/);
    expect(validate?.diagnostics?.logTail).toContain('[stderr]health check failed for v2');

    const [first, second] = hosts as [string, string];
    // ApplicationStop ran the previous revision's script, then the new revision's hooks.
    expect(readFileSync(onHost(first, '/srv', 'state', 'hooks.log'), 'utf8')).toMatch(
      /ValidateService v1\nApplicationStop v1\nBeforeInstall v2\nAfterInstall v2\nApplicationStart v2\nValidateService v2\n$/,
    );
    expect(existsSync(onHost(first, '/srv', 'app', 'old.txt'))).toBe(false);
    expect(readFileSync(onHost(first, '/srv', 'app', 'new.txt'), 'utf8')).toBe('only in v2');
    // The full output is in the deployment's log on the host.
    const log = readFileSync(join(rootOf(first), 'deployment-root', view.deploymentGroupId, view.deploymentId, 'logs', 'scripts.log'), 'utf8');
    expect(log).toMatch(/LifecycleEvent - ValidateService[\s\S]*\[stderr\]health check failed for v2/);
    // Lines carry the CodeDeploy agent's timestamp (local YYYY-MM-DD HH:MM:SS), as its log tooling expects.
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - ValidateService$/m);
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[stderr\]health check failed for v2$/m);
    // Host 2 was never touched by the failed deployment.
    expect(readFileSync(onHost(second, '/srv', 'app', 'index.html'), 'utf8')).toBe('v1');
  });

  it('answers the hooks a revision has no scripts for from the controller: each still in the host history, the agent never asked', async () => {
    writeRevision(join(base, 'v3'), app, 'v3', { hooks: ['ApplicationStart'], files: { 'app/index.html': 'v3', 'config/app.conf': 'x=3' } });
    const result = await deploy(join(base, 'v3'));
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout).deploymentInfo as DeploymentView;
    const [first] = hosts as [string];
    const events = view.targets[0]?.lifecycleEvents ?? [];
    expect(events.map((e) => `${e.lifecycleEventName}:${e.status}`)).toEqual([
      'ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Succeeded', 'Install:Succeeded',
      'AfterInstall:Succeeded', 'ApplicationStart:Succeeded', 'ValidateService:Succeeded',
    ]);
    expect(events.filter((e) => e.diagnostics?.message.startsWith('No scripts for')).map((e) => e.lifecycleEventName)).toEqual(['BeforeInstall', 'AfterInstall', 'ValidateService']);
    // On the host: the revision is installed, its one hook ran, and the agent journaled only the events it was sent.
    expect(readFileSync(onHost(first, '/srv', 'app', 'index.html'), 'utf8')).toBe('v3');
    expect(readFileSync(onHost(first, '/srv', 'state', 'hooks.log'), 'utf8')).toMatch(/ApplicationStop v2\nApplicationStart v3\n$/);
    const journal = readdirSync(join(rootOf(first), 'deployment-root', view.deploymentGroupId, view.deploymentId, 'journal')).sort();
    expect(journal).toEqual(['ApplicationStart.json', 'ApplicationStop.json', 'DownloadBundle.json', 'Install.json']);
    // In Temporal: every event is a step of the host's history, the three without scripts as the controller's local activities.
    const history = await harness.client.workflow.getHandle(hostWorkflowId(view.deploymentId, first)).fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']);
    const answered = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(answered.map((e) => Buffer.from(e.userMetadata?.summary?.data ?? []).toString())).toEqual(
      ['BeforeInstall', 'AfterInstall', 'ValidateService'].map((event) => JSON.stringify(`${event} on ${first} (${view.deploymentId}): no scripts in this revision`)),
    );
  });

  it('refuses bad input with a clear message before starting anything', async () => {
    const result = await gantry(['create-deployment', '--address', address, '--application-name', 'e2e-app', '--deployment-group-name', name, '--local-location', 'path=relative/dir', '--target-hosts', 'a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/revision\.local\.path must be an absolute path; got "relative\/dir"/);
  });
});
