/**
 * Issue 12's regressions, one per numbered failure, each through a real agent on a simulated host:
 * hostile archives and AppSpec files, hostile hook scripts, raw workflow inputs, slow and lying
 * servers, and a full disk. Each checks the outcome on the host as well as Gantry's report of it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { followDeployment, getDeploymentSummary, newDeploymentId, startDeployment } from '../../workers/deployments.js';
import type { DeploymentInput, DeploymentView } from '../../workflows/contracts/deployment.js';
import { deriveDeploymentGroupId } from '../../workflows/contracts/deployment.js';
import type { HostRegistration } from '../../workflows/contracts/hosts.js';
import { hostRegistryWorkflowId, hostTaskQueue, WorkflowType } from '../../workflows/contracts/naming.js';
import { hostsQuery } from '../../workflows/messages.js';
import { waitUntil } from '../../workers/processes.js';
import type { RevisionLocation } from '../../workflows/contracts/revision.js';
import type { ArchiveEntry } from '../support/archives.js';
import { fixTarChecksum, setZipFlag, tarArchive, tgzArchive, zipArchive } from '../support/archives.js';
import { scratchDir, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';

const SECRET = 'gantry-hardening-secret-5f2c9a';

describe('e2e: hostile and broken inputs never corrupt a host, hang a deployment or crash the agent', () => {
  let harness: Harness;
  let agent: AgentProcess | undefined;
  let https: Server;
  let httpsBase = '';
  const name = uniqueName('hardening');
  const host = `${name}-h1`;
  const base = scratchDir('e2e-hardening');
  const root = join(base, 'hosts', host);
  const srv = (...rest: string[]): string => hostLayerPath(root, '/srv', ...rest);
  const appDir = `/srv/${name}`;
  let serial = 0;

  /** A local revision file; `appspec` defaults to installing `app/` under the test's /srv directory. */
  const revisionFile = (bundle: Buffer, type: 'tar' | 'tgz' | 'zip'): RevisionLocation => {
    serial += 1;
    const path = join(base, `revision-${serial}.${type}`);
    writeFileSync(path, bundle);
    return { revisionType: 'Local', local: { path } };
  };
  const appspec = (hooks = '', files = `files:\n  - source: app\n    destination: ${appDir}\n`): string => `version: 0.0\nos: linux\n${files}${hooks ? `hooks:\n${hooks}` : ''}`;
  const script = (body: string, mode = 0o755): ArchiveEntry => ({ name: '', body: `#!/bin/sh\n${body}\n`, mode });
  const named = (entry: ArchiveEntry, entryName: string): ArchiveEntry => ({ ...entry, name: entryName });

  const deploy = async (revision: RevisionLocation, extra: Partial<DeploymentInput> = {}): Promise<DeploymentView> => {
    const input: DeploymentInput = { applicationName: 'hardening', deploymentGroupName: name, revision, targetHosts: [host], ...extra };
    const id = await startDeployment(harness.client, input, { taskQueue: harness.taskQueue });
    return followDeployment(harness.client, id, () => undefined, 200);
  };
  const failedEvent = (view: DeploymentView): { event: string; message: string } => {
    const failed = view.targets[0]?.lifecycleEvents.find((e) => e.status === 'Failed');
    return { event: failed?.lifecycleEventName ?? '(none)', message: failed?.diagnostics?.message ?? '' };
  };
  const expectFailure = (view: DeploymentView, event: string, message: RegExp): void => {
    expect(view.status).toBe('Failed');
    const failed = failedEvent(view);
    expect(failed.event).toBe(event);
    expect(failed.message).toMatch(message);
  };
  const goodRevision = (marker: string): RevisionLocation =>
    revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/index.html', body: marker }]), 'tar');

  beforeAll(async () => {
    chmodSync(base, 0o755);
    const key = join(base, 'tls.key');
    const cert = join(base, 'tls.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const good = tgzArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/index.html', body: 'url' }]);
    https = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      if (req.url === '/stall.tgz') {
        res.writeHead(200, { 'content-length': String(good.length) });
        res.write(good.subarray(0, 10)); // then nothing, ever
      } else if (req.url === '/short.tgz') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write(good.subarray(0, 10), () => res.socket?.destroy());
      } else if (req.url === '/downgrade.tgz') {
        res.writeHead(302, { location: `http://127.0.0.1:1/good.tgz` }).end();
      } else if (req.url === '/hostile.tgz') {
        res.writeHead(200).end(tgzArchive([{ name: '../../escaped-by-url.txt', body: 'x' }]));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    httpsBase = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    harness = await startController(uniqueName('e2e hardening'));
    agent = startHosts([host], join(base, 'hosts'), {
      controllerTaskQueue: harness.taskQueue,
      downloadStallSeconds: 2,
      env: { NODE_EXTRA_CA_CERTS: cert, GANTRY_TEST_SECRET: SECRET },
    })[0];
  });

  afterAll(async () => {
    await agent?.stop();
    await harness?.close();
    https?.close();
  });

  it('1: a tar entry with a newline in its name is refused, and later cleanups delete only what was installed', async () => {
    const victim = srv(`${name}-victim`);
    mkdirSync(srv(), { recursive: true });
    const bad = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec() }, { name: `app/evil\n${appDir}-victim`, body: 'x' }]), 'tar'));
    expectFailure(bad, 'DownloadBundle', /control character \(such as a newline\)/);
    writeFileSync(victim, 'not installed by any deployment');
    expect((await deploy(goodRevision('one'))).status).toBe('Succeeded');
    expect((await deploy(goodRevision('two'))).status).toBe('Succeeded');
    expect(readFileSync(srv(name, 'index.html'), 'utf8')).toBe('two');
    expect(readFileSync(victim, 'utf8')).toBe('not installed by any deployment');
    const cleanup = readFileSync(join(root, 'deployment-root', 'deployment-instructions', `${deriveDeploymentGroupId('hardening', name)}-cleanup`), 'utf8');
    expect(cleanup.split('\n').filter(Boolean).every((line) => line.startsWith(appDir))).toBe(true);
  });

  it('2: a chosen deploymentGroupId is refused by the workflow, and an agent refuses IDs that name other files', async () => {
    await expect(
      startDeployment(harness.client, { applicationName: 'hardening', deploymentGroupName: name, revision: goodRevision('x'), targetHosts: [host], deploymentGroupId: 'deployment-instructions' }, { taskQueue: harness.taskQueue }),
    ).rejects.toThrow(/deploymentGroupId is derived from applicationName and deploymentGroupName/);
    const instructions = join(root, 'deployment-root', 'deployment-instructions');
    const before = readdirSync(instructions).sort();
    // Straight to the host's child workflow, past the deployment's validation: the agent itself refuses.
    const deploymentId = newDeploymentId();
    const run = harness.client.workflow.execute(WorkflowType.hostDeployment, {
      taskQueue: harness.taskQueue,
      workflowId: `${deploymentId}/${host}`,
      args: [
        {
          deployment: { deploymentId, applicationName: 'hardening', deploymentGroupName: name, deploymentGroupId: 'deployment-instructions', revision: goodRevision('y'), creator: 'user', ignoreApplicationStopFailures: false },
          hostId: host,
          events: ['ApplicationStop', 'DownloadBundle'],
        },
      ],
    });
    const error = await run.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(/refuses ApplicationStop: the deployment group ID "deployment-instructions" is not the one/);
    expect(readdirSync(instructions).sort()).toEqual(before);
    expect(existsSync(join(root, 'deployment-root', 'deployment-instructions', deploymentId))).toBe(false);
  });

  it('3: a link that escapes once the single top directory is stripped is refused', async () => {
    const view = await deploy(revisionFile(tgzArchive([{ name: 'top/appspec.yml', body: appspec() }, { name: 'top/app/index.html', body: 'x' }, { name: 'top/esc', type: 'symlink', link: '..' }]), 'tgz'));
    expectFailure(view, 'DownloadBundle', /"top\/esc" is a link to "\.\.", outside the revision once the single top-level directory is removed/);
  });

  it('4: runas starting with - is refused; a script path with a space and a ; runs as itself, never through a shell', async () => {
    const refused = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/a.sh\n      runas: "-"\n') }, { name: 'app/x', body: 'x' }, named(script('id'), 'scripts/a.sh')]), 'tar'));
    expectFailure(refused, 'DownloadBundle', /runas "-" is not a user name/);
    const marker = join(base, 'ran-as-itself');
    const view = await deploy(
      revisionFile(
        tarArchive([
          { name: 'appspec.yml', body: appspec("  AfterInstall:\n    - location: 'scripts/my script;touch pwned'\n      runas: root\n") },
          { name: 'app/x', body: 'x' },
          named(script(`echo "$(id -un)" > ${marker}`), 'scripts/my script;touch pwned'),
        ]),
        'tar',
      ),
    );
    expect(view.status).toBe('Succeeded');
    expect(readFileSync(marker, 'utf8').trim()).toBe('root');
    const archive = join(root, 'deployment-root', view.deploymentGroupId, view.deploymentId, 'deployment-archive');
    expect(existsSync(join(archive, 'pwned'))).toBe(false);
  });

  it('6: hook output without newlines costs linear time and bounded memory; the tail stays small', async () => {
    const view = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/dump.sh\n') }, { name: 'app/x', body: 'x' }, named(script("head -c 30000000 /dev/zero | tr '\\000' a"), 'scripts/dump.sh')]), 'tar'));
    expect(view.status).toBe('Succeeded');
    const event = view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'AfterInstall');
    expect(event?.diagnostics?.logTail.length).toBeLessThanOrEqual(4096);
    expect(event?.diagnostics?.logTail).toMatch(/^\[stdout\]a+$/);
    const log = join(root, 'deployment-root', view.deploymentGroupId, view.deploymentId, 'logs', 'scripts.log');
    expect(statSync(log).size).toBeGreaterThan(30_000_000);
    expect(readFileSync(log, 'utf8').split('\n').every((line) => line.length < 17_000)).toBe(true);
  });

  it('7: a timeout the runtime cannot express is refused; the largest one it can is honoured', async () => {
    const refused = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/a.sh\n      timeout: 2147484\n') }, { name: 'app/x', body: 'x' }, named(script('true'), 'scripts/a.sh')]), 'tar'));
    expectFailure(refused, 'DownloadBundle', /timeout is 2147484 seconds; the agent can enforce at most 2147483/);
    const honoured = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/a.sh\n      timeout: 2147483\n') }, { name: 'app/x', body: 'x' }, named(script('sleep 1'), 'scripts/a.sh')]), 'tar'));
    expect(honoured.status).toBe('Succeeded');
  });

  it('8: huge and absurd workflow inputs fail the workflow at once with a bounded message', async () => {
    const hosts = Array.from({ length: 60_000 }, (_, i) => `bad host ${i}`);
    const started = (args: unknown): Promise<unknown> =>
      harness.client.workflow.execute(WorkflowType.deployment, { taskQueue: harness.taskQueue, workflowId: newDeploymentId(), args: [args] }).then(
        () => undefined,
        (err: unknown) => err,
      );
    const tooMany = await started({ applicationName: 'hardening', deploymentGroupName: name, revision: goodRevision('z'), targetHosts: hosts });
    expect(tooMany).toBeInstanceOf(WorkflowFailedError);
    const message = (tooMany as WorkflowFailedError).cause?.message ?? '';
    expect(message).toMatch(/targetHosts/);
    expect(message).toMatch(/and \d+ more problems$/);
    expect(message.length).toBeLessThan(5_000);
    const absurd = await started({ applicationName: 'hardening', deploymentGroupName: name, revision: goodRevision('z'), targetHosts: [host], agentTimeouts: { eventSeconds: 1e300 } });
    expect((absurd as WorkflowFailedError).cause?.message).toMatch(/agentTimeouts.eventSeconds must be a number of seconds from 1 to 604800; got 1e\+300/);
  });

  it('9: orphans that hooks leave behind are reaped on a simulated host', async () => {
    const count = join(base, 'zombies');
    const hook = [
      "for i in $(seq 200); do (sh -c 'exit 0' &); done",
      // bounded: the reaper answers each SIGCHLD at once; wait at most 10 s for the last ones
      'for t in $(seq 100); do',
      "  z=$(cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == \"Z\"' | wc -l)",
      '  [ "$z" -eq 0 ] && break; sleep 0.1',
      'done',
      `echo "$z" > ${count}`,
    ].join('\n');
    const view = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/fork.sh\n') }, { name: 'app/x', body: 'x' }, named(script(hook), 'scripts/fork.sh')]), 'tar'));
    expect(view.status).toBe('Succeeded');
    expect(readFileSync(count, 'utf8').trim()).toBe('0');
  });

  it('10: a 6 MB AppSpec is refused at once, naming its size, instead of starving heartbeats', async () => {
    const huge = `${appspec()}${'# padding\n'.repeat(600_000)}`;
    const view = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: huge }, { name: 'app/x', body: 'x' }]), 'tar'));
    expectFailure(view, 'DownloadBundle', /appspec.yml is 6\d{6} bytes; the agent reads AppSpec files of at most 262144 bytes/);
  });

  it('11: a tar cut at an entry boundary, a zip failing its CRC and a GNU sparse entry are refused', async () => {
    const whole = tarArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/a', body: 'a' }, { name: 'app/b', body: 'b' }]);
    const cut = await deploy(revisionFile(whole.subarray(0, 512 * 4), 'tar'));
    expectFailure(cut, 'DownloadBundle', /is incomplete: it ends without the end-of-archive marker/);
    const zip = zipArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/a', body: 'hello' }]);
    const corrupt = Buffer.from(zip);
    corrupt[corrupt.indexOf('hello') as number] = 'j'.charCodeAt(0);
    expectFailure(await deploy(revisionFile(corrupt, 'zip')), 'DownloadBundle', /"app\/a" fails its CRC-32 check/);
    const sparse = tarArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/a', body: 'a' }]);
    sparse[512 * 2 + 156] = 'S'.charCodeAt(0); // app/a's type flag (its checksum, fixed below)
    fixTarChecksum(sparse, 512 * 2);
    expectFailure(await deploy(revisionFile(sparse, 'tar')), 'DownloadBundle', /"app\/a" is a GNU sparse file/);
  });

  it('12: a stalled download fails within its stall timeout; an https→http redirect is refused; a bad digest is caught before extraction', async () => {
    const url = (path: string, digest = '0'.repeat(64)): RevisionLocation => ({ revisionType: 'URL', url: { url: `${httpsBase}${path}`, sha256: digest, bundleType: 'tgz' } });
    expectFailure(await deploy(url('/stall.tgz')), 'DownloadBundle', /the download stalled: no data arrived for 2 s \(after 10 bytes\)/);
    expectFailure(await deploy(url('/downgrade.tgz')), 'DownloadBundle', /redirects to http:\/\/127\.0\.0\.1:1\/good\.tgz, which is not https; refusing the downgrade/);
    // The archive holds an entry that leaves the revision: the digest must be what refuses it.
    expectFailure(await deploy(url('/hostile.tgz')), 'DownloadBundle', /has SHA-256 [0-9a-f]{64}, but the deployment pinned 0{64}/);
  });

  it('13: AppSpec values of the wrong type are refused, naming the value, instead of coerced', async () => {
    const refusedWith = async (spec: string, message: RegExp): Promise<void> => {
      const view = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: spec }, { name: 'app/x', body: 'x' }, named(script('true'), 'scripts/a.sh')]), 'tar'));
      expectFailure(view, 'DownloadBundle', message);
    };
    const head = 'version: 0.0\nos: linux\n';
    await refusedWith(`${head}hooks:\n  AfterInstall:\n    - location: [scripts/a.sh, b]\n`, /location must be a string; got \["scripts\/a\.sh","b"\]/);
    await refusedWith(`${head}hooks:\n  AfterInstall:\n    - location: {a: 1}\n`, /location must be a string; got \{"a":1\}/);
    await refusedWith(`${head}files:\n  - source: app\n    destination: [/srv, /opt]\n`, /destination must be a path; got \["\/srv","\/opt"\]/);
    await refusedWith(`${head}hooks:\n  AfterInstall:\n    - location: scripts/a.sh\n      timeout: [5]\n`, /timeout must be a number of seconds; got \[5\]/);
    await refusedWith(`${head}hooks:\n  AfterInstall:\n    - location: scripts/a.sh\n      timeout: .inf\n`, /got infinity/);
    await refusedWith(`${appspec()}permissions:\n  - object: ${appDir}\n    mode: 1e400\n`, /mode infinity \(a number too large to use\)/);
  });

  it('14: a root hook cannot read the agent credentials from /proc/<pid>/environ', async () => {
    const found = join(base, 'environ-hits');
    const hook = `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\000' '\\n' | grep -c '${SECRET}' > ${found} || true\ncat /proc/[0-9]*/environ 2>/dev/null | tr '\\000' '\\n' | grep -c '^GANTRY_TEST_SECRET=' >> ${found} || true`;
    const view = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/peek.sh\n') }, { name: 'app/x', body: 'x' }, named(script(hook), 'scripts/peek.sh')]), 'tar'));
    expect(view.status).toBe('Succeeded');
    const [hits, names] = readFileSync(found, 'utf8').trim().split('\n');
    expect(hits).toBe('0');
    expect(Number(names)).toBeGreaterThanOrEqual(1); // the names are still there, only the values are blanked
  });

  it('15: messages name the actual problem', async () => {
    const url: RevisionLocation = { revisionType: 'URL', url: { url: `${httpsBase}/short.tgz`, sha256: '0'.repeat(64), bundleType: 'tgz' } };
    expectFailure(await deploy(url), 'DownloadBundle', /the connection closed after 10 bytes, before the 1000 bytes its Content-Length announced/);
    const proc = await deploy(revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('', 'files:\n  - source: app\n    destination: /proc/gantry\n') }, { name: 'app/x', body: 'x' }]), 'tar'));
    expectFailure(proc, 'Install', /\/proc\/gantry is on the kernel's \/proc file system/);
    const encrypted = Buffer.from(zipArchive([{ name: 'appspec.yml', body: appspec() }, { name: 'app/x', body: 'xy' }]));
    setZipFlag(encrypted, 1);
    expectFailure(await deploy(revisionFile(encrypted, 'zip')), 'DownloadBundle', /is encrypted \(password-protected\)/);
    const holder = await deploy(
      revisionFile(tarArchive([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/hold.sh\n      timeout: 2\n') }, { name: 'app/x', body: 'x' }, named(script('setsid sleep 30 &\necho started'), 'scripts/hold.sh')]), 'tar'),
    );
    expectFailure(holder, 'AfterInstall', /a process outside the group \(started with setsid, or daemonized\) still holds its output and was left running/);
    // A destination under a linked directory (as /var/run is) is a directory like any other.
    const linked = await deploy(
      revisionFile(
        tarArchive([
          { name: 'appspec.yml', body: appspec(`  BeforeInstall:\n    - location: scripts/link.sh\n`, `files:\n  - source: app\n    destination: ${appDir}-link/conf\n`) },
          { name: 'app/x', body: 'linked' },
          named(script(`mkdir -p ${appDir}-real && ln -sfn ${appDir}-real ${appDir}-link`), 'scripts/link.sh'),
        ]),
        'tar',
      ),
    );
    expect(linked.status).toBe('Succeeded');
    expect(readFileSync(srv(`${name}-real`, 'conf', 'x'), 'utf8')).toBe('linked');
    // A running deployment that no controller serves: the CLI's reader says so instead of a stack.
    const orphanId = newDeploymentId();
    await harness.client.workflow.start(WorkflowType.deployment, { taskQueue: `${harness.taskQueue}-nobody`, workflowId: orphanId, args: [{ applicationName: 'hardening', deploymentGroupName: name, revision: goodRevision('o'), targetHosts: [host] }] });
    try {
      await expect(getDeploymentSummary(harness.client, orphanId)).rejects.toThrow(/is running, but no controller worker answered its status query .*start one with `gantry worker` on task queue/);
    } finally {
      await harness.client.workflow.getHandle(orphanId).terminate('test over');
    }
  });

  it('the agent is still serving after all of the above', async () => {
    expect((await deploy(goodRevision('still here'))).status).toBe('Succeeded');
    expect(readFileSync(srv(name, 'index.html'), 'utf8')).toBe('still here');
    expect(agent?.child.exitCode).toBeNull();
    expect(hostTaskQueue(host)).toBe(`gantry-host-${host}`);
  });
});

describe('e2e: a full disk fails the event clearly, and the agent recovers when space returns (issue 12, items 5 and 15)', () => {
  let harness: Harness;
  let agent: AgentProcess | undefined;
  const name = uniqueName('fulldisk');
  const host = `${name}-h1`;
  const base = scratchDir('e2e-fulldisk');
  const disk = join(base, 'disk');
  const root = join(disk, host);
  const appDir = `/srv/${name}`;
  let serial = 0;

  const revision = (entries: ArchiveEntry[]): RevisionLocation => {
    serial += 1;
    const path = join(base, `revision-${serial}.tar`);
    writeFileSync(path, tarArchive(entries));
    return { revisionType: 'Local', local: { path } };
  };
  const appspec = (hooks: string): string => `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${appDir}\nhooks:\n${hooks}`;
  const deploy = async (location: RevisionLocation): Promise<DeploymentView> => {
    const id = await startDeployment(harness.client, { applicationName: 'fulldisk', deploymentGroupName: name, revision: location, targetHosts: [host] }, { taskQueue: harness.taskQueue });
    return followDeployment(harness.client, id, () => undefined, 200);
  };
  const failed = (view: DeploymentView) => view.targets[0]?.lifecycleEvents.find((e) => e.status === 'Failed');

  beforeAll(async () => {
    mkdirSync(disk, { recursive: true });
    // A small file system of the host's own: its state directory and its /srv layer both live there.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'gantry-full-disk', disk]);
    harness = await startController(uniqueName('e2e fulldisk'));
    agent = startHosts([host], disk, { controllerTaskQueue: harness.taskQueue })[0];
  });

  afterAll(async () => {
    await agent?.stop();
    await harness?.close();
    execFileSync('umount', ['-l', disk]);
    rmSync(base, { recursive: true, force: true });
  });

  it('output that fills the disk fails the hook as DiskFull-worded, the agent keeps running, and recovers', async () => {
    const loud = await deploy(
      revision([
        { name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/loud.sh\n') },
        { name: 'app/index.html', body: 'loud' },
        { name: 'scripts/loud.sh', mode: 0o755, body: "#!/bin/sh\nfor i in $(seq 120000); do echo 'a line of output that fills the little disk quickly'; done\n" },
      ]),
    );
    expect(loud.status).toBe('Failed');
    expect(failed(loud)?.lifecycleEventName).toBe('AfterInstall');
    expect(failed(loud)?.diagnostics?.message).toMatch(/could not be written to .*scripts\.log: the file system is full \(no space left on device\) \(ENOSPC\)/);
    expect(agent?.child.exitCode).toBeNull();

    // An Install that meets a full disk says so, naming the file.
    rmSync(join(root, 'deployment-root', loud.deploymentGroupId, loud.deploymentId, 'logs'), { recursive: true, force: true });
    const filler = `${appDir}-filler`;
    const fill = `avail=$(df --output=avail -B1 /srv | tail -1); head -c $((avail - 262144)) /dev/zero > ${filler}`;
    const big = await deploy(
      revision([
        { name: 'appspec.yml', body: appspec('  BeforeInstall:\n    - location: scripts/fill.sh\n') },
        { name: 'app/big.bin', body: Buffer.alloc(1024 * 1024, 1) },
        { name: 'scripts/fill.sh', mode: 0o755, body: `#!/bin/sh\n${fill}\n` },
      ]),
    );
    expect(big.status).toBe('Failed');
    expect(failed(big)?.lifecycleEventName).toBe('Install');
    expect(failed(big)?.diagnostics?.message).toMatch(/could not install .*big\.bin: the file system is full \(no space left on device\) \(ENOSPC\)/);

    // An agent restarted on the full disk starts, fails nothing it need not, and registers again.
    const registry = harness.client.workflow.getHandle(hostRegistryWorkflowId(harness.taskQueue));
    const registeredAt = async (): Promise<string | undefined> => (await registry.query(hostsQuery).catch(() => [] as HostRegistration[])).find((h) => h.hostId === host)?.registeredAt;
    const before = await registeredAt();
    execFileSync('sh', ['-c', `cat /dev/zero >> '${hostLayerPath(root, '/srv', `${name}-filler`)}' 2>/dev/null || true`]);
    expect(execFileSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).trim().split('\n').pop()?.trim()).toBe('0');
    await agent?.stop();
    agent = startHosts([host], disk, { controllerTaskQueue: harness.taskQueue })[0];
    await waitUntil('the restarted agent to register on the full disk', async () => ((await registeredAt()) ?? '') > (before ?? ''), 30_000);
    expect(agent?.child.exitCode).toBeNull();

    // Space returns: the next deployment succeeds.
    rmSync(hostLayerPath(root, '/srv', `${name}-filler`), { force: true });
    const quiet = await deploy(revision([{ name: 'appspec.yml', body: appspec('  AfterInstall:\n    - location: scripts/ok.sh\n') }, { name: 'app/index.html', body: 'quiet' }, { name: 'scripts/ok.sh', mode: 0o755, body: '#!/bin/sh\necho fine\n' }]));
    expect(quiet.status).toBe('Succeeded');
    expect(readFileSync(hostLayerPath(root, '/srv', name, 'index.html'), 'utf8')).toBe('quiet');
  });
});
