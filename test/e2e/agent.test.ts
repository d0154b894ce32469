/**
 * The host agent end to end, on one real simulated host: registration, runas and permissions, a
 * graceful stop during a hook, every failure kind with its error code, an agent killed mid-hook and
 * restarted, and revision retention.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { followDeployment, startDeployment } from '../../workers/deployments.js';
import { waitUntil } from '../../workers/processes.js';
import type { DeploymentInput, DeploymentView } from '../../workflows/contracts/deployment.js';
import type { HostRegistration } from '../../workflows/contracts/hosts.js';
import { hostRegistryWorkflowId } from '../../workflows/contracts/naming.js';
import { hostsQuery } from '../../workflows/messages.js';
import { motoEnv, scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { connectedGantry } from '../support/cli.js';
import { tgzArchive, zipArchive } from '../support/archives.js';

interface Hook {
  location: string;
  body: string;
  timeout?: number;
  runas?: string;
}

/** Writes a local revision directory: an app directory, optional permissions, and the given hooks. */
function writeRevision(dir: string, app: string, hooks: Record<string, Hook[]>, extra = ''): string {
  mkdirSync(join(dir, 'app', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'app', 'index.html'), dir);
  writeFileSync(join(dir, 'app', 'bin', 'tool'), '#!/bin/sh\n');
  const sections = Object.entries(hooks).map(
    ([event, scripts]) =>
      `  ${event}:\n${scripts.map((s) => `    - location: ${s.location}\n${s.timeout ? `      timeout: ${s.timeout}\n` : ''}${s.runas ? `      runas: ${s.runas}\n` : ''}`).join('')}`,
  );
  for (const script of Object.values(hooks).flat()) {
    if (!script.body) continue;
    mkdirSync(join(dir, script.location, '..'), { recursive: true });
    writeFileSync(join(dir, script.location), `#!/bin/sh\n${script.body}\n`);
    chmodSync(join(dir, script.location), 0o755);
  }
  writeFileSync(join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}/app\n${extra}hooks:\n${sections.join('')}`);
  return dir;
}

describe('e2e: the host agent', () => {
  let harness: Harness;
  let agent: AgentProcess | undefined;
  const name = uniqueName('agent');
  const app = `gantry-agent-${name}`;
  const host = `${name}-h1`;
  const base = scratchDir('e2e-agent');
  const root = join(base, 'hosts', host);
  const onHost = (dir: string, ...rest: string[]): string => hostLayerPath(root, dir, ...rest);
  const start = (): void => {
    agent = startHosts([host], join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, tags: { role: 'web', env: 'e2e' }, maxRevisions: 2 })[0];
  };

  const deploy = async (revision: string, extra: Partial<DeploymentInput> = {}): Promise<DeploymentView> => {
    const input: DeploymentInput = {
      applicationName: 'agent-app',
      deploymentGroupName: name,
      revision: { revisionType: 'Local', local: { path: revision } },
      targetHosts: [host],
      ...extra,
    };
    const id = await startDeployment(harness.client, input, { taskQueue: harness.taskQueue });
    return followDeployment(harness.client, id, () => undefined, 200);
  };
  const event = (view: DeploymentView, eventName: string) => view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === eventName);

  beforeAll(async () => {
    // `runas` users must reach the scripts, as on a real host where the agent's root is world-traversable.
    chmodSync(base, 0o755);
    harness = await startController(uniqueName('e2e agent'));
    start();
  });

  afterAll(async () => {
    await agent?.stop();
    await harness?.close();
  });

  it('registers the host with its tags when the agent starts', async () => {
    const registry = harness.client.workflow.getHandle(hostRegistryWorkflowId(harness.taskQueue));
    let hosts: HostRegistration[] = [];
    await waitUntil('the host to register', async () => {
      hosts = await registry.query(hostsQuery).catch(() => []);
      return hosts.some((h) => h.hostId === host);
    }, 30_000);
    expect(hosts.find((h) => h.hostId === host)).toMatchObject({ tags: { role: 'web', env: 'e2e' }, zone: null });
  });

  it('applies permissions to what it installed and runs `runas` hooks as that user', async () => {
    const revision = writeRevision(
      join(base, 'v1'),
      app,
      {
        // The user exists only on this simulated host: the hook adds it to the host's own /etc.
        BeforeInstall: [{ location: 'scripts/add-user.sh', body: "grep -q '^gantryapp:' /etc/passwd || { echo 'gantryapp:x:4321:4321::/nonexistent:/bin/sh' >> /etc/passwd; echo 'gantryapp:x:4321:' >> /etc/group; echo 'gantryapp:*:19000:0:99999:7:::' >> /etc/shadow; }" }],
        AfterInstall: [{ location: 'scripts/whoami.sh', runas: 'gantryapp', body: `id -un > /srv/${app}/app/bin/whoami` }],
      },
      `permissions:\n  - object: /srv/${app}/app\n    owner: gantryapp\n    group: gantryapp\n    mode: "750"\n    type: [directory]\n  - object: /srv/${app}/app\n    pattern: "**"\n    except: [tool]\n    mode: "640"\n    type: [file]\n`,
    );
    const view = await deploy(revision);
    expect(view.status, JSON.stringify(view.targets[0]?.lifecycleEvents)).toBe('Succeeded');
    expect(readFileSync(onHost('/srv', app, 'app', 'bin', 'whoami'), 'utf8')).toBe('gantryapp\n');
    const bin = statSync(onHost('/srv', app, 'app', 'bin'));
    expect([bin.uid, bin.gid, bin.mode & 0o777]).toEqual([4321, 4321, 0o750]);
    expect(statSync(onHost('/srv', app, 'app', 'index.html')).mode & 0o777).toBe(0o640);
    // `tool` sits below bin/, so the pattern ** still reaches it; except matches only direct children of the object.
    expect(statSync(onHost('/srv', app, 'app', 'bin', 'tool')).mode & 0o777).toBe(0o640);
    // The object itself is never changed.
    expect(statSync(onHost('/srv', app, 'app')).uid).toBe(0);
  });

  it('runs hooks in /, as the CodeDeploy agent does (never in the revision directory)', async () => {
    const revision = writeRevision(join(base, 'cwd'), app, { ApplicationStart: [{ location: 'scripts/where.sh', body: `pwd > /srv/${app}/where` }] });
    const view = await deploy(revision);
    expect(view.status, JSON.stringify(view.targets[0]?.lifecycleEvents)).toBe('Succeeded');
    expect(readFileSync(onHost('/srv', app, 'where'), 'utf8')).toBe('/\n');
  });

  it("passes the agent's environment to hooks as the CodeDeploy agent does: only credentials and Gantry's own settings are taken out", async () => {
    const revision = writeRevision(join(base, 'env'), app, { ApplicationStart: [{ location: 'scripts/env.sh', body: `env > /srv/${app}/hook-env` }] });
    const view = await deploy(revision);
    expect(view.status, JSON.stringify(view.targets[0]?.lifecycleEvents)).toBe('Succeeded');
    const seen = readFileSync(onHost('/srv', app, 'hook-env'), 'utf8').split('\n');
    // The agent runs with moto's settings and keys (test support), and Gantry's MALLOC_ARENA_MAX.
    expect(seen).toEqual(expect.arrayContaining(['AWS_REGION=us-east-1', `AWS_ENDPOINT_URL=${motoEnv().AWS_ENDPOINT_URL}`]));
    expect(seen.filter((line) => /^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|MALLOC_ARENA_MAX|GANTRY_)/.test(line))).toEqual([]);
  });

  it("keeps a tar revision's recorded owners when the agent is root, as tar -xp does; a zip revision's files are the agent's", async () => {
    const appspec = `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}/owned\n`;
    const entries = (uid: number) => [
      { name: 'appspec.yml', body: appspec },
      { name: 'app/', type: 'dir' as const },
      { name: 'app/owned.txt', body: 'owned', uid, gid: uid + 1 },
      { name: 'app/link', type: 'symlink' as const, link: 'owned.txt', uid, gid: uid + 1 },
    ];
    const tgz = join(base, 'owned.tgz');
    writeFileSync(tgz, tgzArchive(entries(4500)));
    expect((await deploy(tgz)).status).toBe('Succeeded');
    const file = lstatSync(onHost('/srv', app, 'owned', 'owned.txt'));
    expect([file.uid, file.gid]).toEqual([4500, 4501]);
    const link = lstatSync(onHost('/srv', app, 'owned', 'link'));
    expect([link.uid, link.gid]).toEqual([4500, 4501]);
    const zip = join(base, 'owned.zip');
    writeFileSync(zip, zipArchive([{ name: 'appspec.yml', body: appspec.replace('/owned', '/zipped') }, { name: 'app/owned.txt', body: 'zipped' }]));
    expect((await deploy(zip)).status).toBe('Succeeded');
    expect(lstatSync(onHost('/srv', app, 'zipped', 'owned.txt')).uid).toBe(process.getuid?.());
  });

  it('reads like CodeDeploy in the Temporal UI: summaries and details on the deployment, its host and each event', async () => {
    const revision = writeRevision(join(base, 'ui'), app, { ApplicationStart: [{ location: 'scripts/ok.sh', body: 'true' }] });
    const view = await deploy(revision, { description: 'UI check' });
    expect(view.status).toBe('Succeeded');
    const deployment = await harness.client.workflow.getHandle(view.deploymentId).describe();
    expect(await deployment.staticSummary()).toBe(`agent-app/${name}: local:${revision}`);
    expect(await deployment.staticDetails()).toMatch(/- \*\*Application\*\* agent-app\n- \*\*Deployment group\*\* .*\n- \*\*Revision\*\* local:.*\n- \*\*Strategy\*\* in place\n- \*\*Configuration\*\* CodeDeployDefault\.OneAtATime\n- \*\*Description\*\* UI check/);
    const metadata = (await harness.client.workflow.getHandle(view.deploymentId).query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toBe('**Succeeded** · targets: 1 succeeded, 0 failed, 0 skipped');
    const child = harness.client.workflow.getHandle(`${view.deploymentId}/${host}`);
    expect(await (await child.describe()).staticSummary()).toBe(`${host} · agent-app/${name} · ${view.deploymentId}`);
    const summaries: string[] = [];
    for (const e of (await child.fetchHistory()).events ?? []) {
      // Activities on the agent's queue, and the controller's local activities for hooks without scripts.
      const data = e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? e.userMetadata?.summary?.data : undefined;
      if (data) summaries.push(JSON.parse(Buffer.from(data).toString('utf8')) as string);
    }
    const scriptless = ['BeforeInstall', 'AfterInstall', 'ValidateService'];
    expect(summaries).toEqual(
      ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'].map((e) => `${e} on ${host} (${view.deploymentId})${scriptless.includes(e) ? ': no scripts in this revision' : ''}`),
    );
  });

  it('lets the hook in flight finish when the agent is stopped gracefully', async () => {
    const marker = onHost('/srv', app, 'validate-started');
    const revision = writeRevision(join(base, 'v2'), app, {
      ValidateService: [{ location: 'scripts/slow.sh', body: `touch /srv/${app}/validate-started\nsleep 3\necho validated` }],
    });
    const running = deploy(revision);
    await waitUntil('ValidateService to start', async () => existsSync(marker), 30_000);
    const stopped = agent?.stop();
    const view = await running;
    await stopped;
    expect(view.status).toBe('Succeeded');
    expect(event(view, 'ValidateService')?.diagnostics?.logTail).toContain('[stdout]validated');
    start();
  });

  it.each([
    ['a missing script', { BeforeInstall: [{ location: 'scripts/absent.sh', body: '' }] }, 'BeforeInstall', 'ScriptMissing', /Script does not exist at specified location: .*scripts\/absent\.sh/, ''],
    ['a failing script', { AfterInstall: [{ location: 'scripts/fail.sh', body: 'echo about to fail\nexit 3' }] }, 'AfterInstall', 'ScriptFailed', /^Script at specified location: scripts\/fail\.sh failed with exit code 3$/, '[stdout]about to fail'],
    ['a script past its timeout', { ApplicationStart: [{ location: 'scripts/hang.sh', timeout: 1, body: 'echo hanging\nsleep 60' }] }, 'ApplicationStart', 'ScriptTimedOut', /failed to complete in 1 seconds/, '[stdout]hanging'],
    ['a background child holding the output', { ValidateService: [{ location: 'scripts/fork.sh', timeout: 2, body: 'echo forked\nsleep 60 &' }] }, 'ValidateService', 'UnknownError', /kept its output open/, '[stdout]forked'],
  ])('reports %s with its error code and log tail', async (_name, hooks, eventName, errorCode, message, tail) => {
    const view = await deploy(writeRevision(join(base, `fail-${eventName}`), app, hooks));
    expect(view.status).toBe('Failed');
    const failed = event(view, eventName);
    expect(failed?.status).toBe('Failed');
    expect(failed?.diagnostics?.errorCode).toBe(errorCode);
    expect(failed?.diagnostics?.message).toMatch(message);
    expect(failed?.diagnostics?.logTail).toContain(tail);
    expect(view.errorInformation?.message).toContain(`${eventName}: ${errorCode}`);
  });

  it('reports an invalid AppSpec at DownloadBundle, naming the field and value', async () => {
    const revision = writeRevision(join(base, 'bad-spec'), app, {}, `permissions:\n  - object: /srv/${app}/app\n    mode: 0755\n`);
    const view = await deploy(revision);
    expect(event(view, 'DownloadBundle')?.diagnostics?.message).toMatch(/appspec\.yml: permissions\[0\]\.mode 493 contains "9".*quote/);
    expect(event(view, 'Install')?.status).toBe('Skipped');
  });

  it('fails the event in flight at once when the agent is killed mid-hook and restarts', async () => {
    const marker = onHost('/srv', app, 'start-began');
    const revision = writeRevision(join(base, 'v3'), app, {
      ApplicationStart: [{ location: 'scripts/long.sh', body: `touch /srv/${app}/start-began\nsleep 300` }],
    });
    // A long heartbeat timeout: only the restarted agent's recovery can fail the event quickly.
    const running = deploy(revision, { agentTimeouts: { heartbeatSeconds: 600 } });
    await waitUntil('ApplicationStart to begin', async () => existsSync(marker), 30_000);
    await agent?.kill();
    start();
    const view = await running;
    const interrupted = event(view, 'ApplicationStart');
    expect(interrupted?.status).toBe('Failed');
    expect(interrupted?.diagnostics?.message).toMatch(/Failing in-progress lifecycle event after an agent restart/);
    expect(view.errorInformation?.message).toContain('ApplicationStart');
  }, 60_000);

  it('keeps at most --max-revisions deployment directories per group, the last successful one included', async () => {
    const group = readdirSync(join(root, 'deployment-root')).filter((d) => d !== 'deployment-instructions');
    expect(group).toHaveLength(1);
    const dirs = readdirSync(join(root, 'deployment-root', group[0] as string));
    expect(dirs).toHaveLength(2);
    const lastSuccessful = readFileSync(join(root, 'deployment-root', 'deployment-instructions', `${group[0]}_last_successful_install`), 'utf8');
    expect(dirs.map((d) => join(root, 'deployment-root', group[0] as string, d))).toContain(lastSuccessful);
  });
  it('manages the host as an on-premises instance: central tags select it without restarting its agent, and a deregistered host is refused', async () => {
    const cli = connectedGantry({ ...stackAddress(), taskQueue: () => harness.taskQueue });
    // Its own destination: another group's files are already at the app's.
    const revision = writeRevision(join(base, 'onprem'), `${app}-onprem`, { ApplicationStart: [{ location: 'scripts/ok.sh', body: 'true' }] });
    const byTag = (Key: string, Value: string): Partial<DeploymentInput> => ({ deploymentGroupName: `${name}-onprem`, targetHosts: undefined, tagFilters: [{ Key, Value, Type: 'KEY_AND_VALUE' }] });
    const registry = harness.client.workflow.getHandle(hostRegistryWorkflowId(harness.taskQueue));
    await waitUntil('the host to register', async () => (await registry.query(hostsQuery).catch(() => [])).some((h) => h.hostId === host), 30_000);
    expect((await cli(['register-on-premises-instance', '--instance-name', host, '--iam-user-arn', 'arn:aws:iam::123456789012:user/web-1'])).code).toBe(0);
    expect((await cli(['register-on-premises-instance', '--instance-name', host, '--iam-user-arn', 'arn:aws:iam::123456789012:user/web-1'])).stderr).toMatch(/already registered \(InstanceNameAlreadyRegistered\)/);
    // Seeded with the agent's --tag values.
    expect((await cli(['get-on-premises-instance', '--instance-name', host])).json.instanceInfo).toMatchObject({ instanceName: host, registrationStatus: 'Registered', iamUserArn: 'arn:aws:iam::123456789012:user/web-1', tags: { role: 'web', env: 'e2e' } });
    expect((await cli(['add-tags-to-on-premises-instances', '--instance-names', host, '--tags', 'Key=tier,Value=gold'])).code).toBe(0);
    expect((await deploy(revision, byTag('tier', 'gold'))).status).toBe('Succeeded');
    expect((await cli(['list-on-premises-instances', '--registration-status', 'Registered', '--tag-filters', 'Key=tier,Value=gold,Type=KEY_AND_VALUE'])).json.instanceNames).toEqual([host]);
    expect((await cli(['remove-tags-from-on-premises-instances', '--instance-names', host, '--tags', 'Key=role,Value=web'])).code).toBe(0);
    expect((await deploy(revision, byTag('role', 'web'))).errorInformation?.code).toBe('NO_INSTANCES');
    expect((await cli(['add-tags-to-on-premises-instances', '--instance-names', 'nobody', '--tags', 'Key=a,Value=b'])).stderr).toMatch(/nobody" is not registered \(InstanceNotRegistered\)/);

    expect((await cli(['deregister-on-premises-instance', '--instance-name', host])).code).toBe(0);
    const refused = await deploy(revision);
    expect(refused.errorInformation).toMatchObject({ code: 'INVALID_TARGET_INSTANCES', message: expect.stringContaining(`${host} is deregistered (deregister-on-premises-instance)`) });
    expect((await deploy(revision, byTag('tier', 'gold'))).errorInformation?.code).toBe('NO_INSTANCES');
    expect((await cli(['list-on-premises-instances', '--registration-status', 'Deregistered'])).json.instanceNames).toEqual([host]);
    // Registered again, it is a target again, with the tags it had.
    expect((await cli(['register-on-premises-instance', '--instance-name', host, '--iam-session-arn', 'arn:aws:sts::123456789012:assumed-role/web/web-1'])).code).toBe(0);
    expect((await deploy(revision, byTag('tier', 'gold'))).status).toBe('Succeeded');
  });
});
