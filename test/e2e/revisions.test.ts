/**
 * Revisions end to end: S3 on moto (pinned version and ETag), an HTTPS URL pinned by SHA-256, a GitHub
 * commit (a local HTTPS server answering like GitHub's REST API, redirect included), and local
 * archives, through the CLI, the controller and real agents on simulated hosts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { s3ClientFromEnv } from '../../workers/aws-clients.js';
import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import type { ArchiveEntry } from '../support/archives.js';
import { tgzArchive, zipArchive } from '../support/archives.js';
import { gantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';

/** A revision in one top-level directory (stripped on extraction), with a hook that logs its event and environment. */
function revision(app: string, version: string, extra: ArchiveEntry[] = []): ArchiveEntry[] {
  const top = `release-${version}`;
  return [
    {
      name: `${top}/appspec.yml`,
      body: `version: 0.0
os: linux
files:
  - source: app
    destination: /srv/${app}/app
hooks:
  AfterInstall:
    - location: scripts/hook.sh
  ValidateService:
    - location: scripts/hook.sh
`,
    },
    { name: `${top}/app/index.html`, body: version },
    { name: `${top}/app/${version}.txt`, body: `only in ${version}` },
    {
      name: `${top}/scripts/hook.sh`,
      mode: 0o755,
      body: `#!/bin/sh\nset -eu\nmkdir -p /srv/${app}/state\necho "$LIFECYCLE_EVENT ${version}" >> /srv/${app}/state/hooks.log\nenv | sort > /srv/${app}/state/env-$LIFECYCLE_EVENT.txt\n`,
    },
    ...extra.map((e) => ({ ...e, name: `${top}/${e.name}` })),
  ];
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('e2e: revisions from S3, HTTPS and local archives', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  let https: Server;
  let httpsBase = '';
  const served = new Map<string, Buffer>();
  // GitHub: the API host redirects a commit's tarball to the archive host, as api.github.com does to codeload.
  let githubApi: Server;
  let githubArchives: Server;
  let githubApiBase = '';
  const commits = new Map<string, Buffer>();
  const archiveRequests: IncomingHttpHeaders[] = [];
  const token = `ghp_${'t0ken'.repeat(7)}`;
  const agentOutput: string[] = [];
  const name = uniqueName('revisions');
  const app = `gantry-rev-${name}`;
  const host = `${name}-h1`;
  const base = scratchDir('e2e-revisions');
  const rootOf = join(base, 'hosts', host);
  const onHost = (...rest: string[]): string => hostLayerPath(rootOf, '/srv', app, ...rest);
  const bucket = `gantry-${name}`.toLowerCase().slice(0, 60);
  const s3 = s3ClientFromEnv(motoEnv());
  const { address, namespace } = stackAddress();

  const deploy = async (revisionFlags: string[]): Promise<{ code: number | null; view: DeploymentView; stderr: string }> => {
    const result = await gantry([
      'create-deployment', '--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue,
      '--application-name', 'rev-app', '--deployment-group-name', name, '--target-hosts', host, '--wait', ...revisionFlags,
    ]);
    return { code: result.code, view: JSON.parse(result.stdout).deploymentInfo as DeploymentView, stderr: result.stderr };
  };
  const event = (view: DeploymentView, eventName: string) => view.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === eventName);

  beforeAll(async () => {
    // A throwaway certificate authority for the local HTTPS server; agents trust it via NODE_EXTRA_CA_CERTS.
    const key = join(base, 'tls.key');
    const cert = join(base, 'tls.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = { key: readFileSync(key), cert: readFileSync(cert) };
    const listen = async (server: Server): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    https = createServer(tls, (req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    httpsBase = await listen(https);
    githubArchives = createServer(tls, (req, res) => {
      archiveRequests.push(req.headers);
      const match = /^\/acme\/web\/legacy\.tar\.gz\/([0-9a-f]{40})\?token=signed$/.exec(req.url ?? '');
      const body = match ? commits.get(match[1] as string) : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/x-gzip' }).end(body);
    });
    const archivesBase = await listen(githubArchives);
    githubApi = createServer(tls, (req: IncomingMessage, res: ServerResponse) => {
      const match = /^\/api\/v3\/repos\/acme\/web\/tarball\/([0-9a-f]{40})$/.exec(req.url ?? '');
      if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end('{"message":"Bad credentials"}');
      if (!match || !commits.has(match[1] as string)) return void res.writeHead(404).end('{"message":"Not Found"}');
      res.writeHead(302, { location: `${archivesBase}/acme/web/legacy.tar.gz/${match[1]}?token=signed` }).end();
    });
    githubApiBase = await listen(githubApi);

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    harness = await startController(uniqueName('e2e revisions'));
    agents = startHosts([host], join(base, 'hosts'), {
      controllerTaskQueue: harness.taskQueue,
      env: { NODE_EXTRA_CA_CERTS: cert, GANTRY_GITHUB_TOKEN: token },
      github: { apiUrl: `${githubApiBase}/api/v3` },
      output: (chunk) => agentOutput.push(chunk),
    });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await harness?.close();
    https?.close();
    githubApi?.close();
    githubArchives?.close();
  });

  it('deploys an S3 tgz pinned to its version and ETag, with the BUNDLE_* variables', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'app.tgz', Body: tgzArchive(revision(app, 'v1')) }));
    const { code, view, stderr } = await deploy(['--s3-location', `bucket=${bucket},key=app.tgz,bundleType=tgz`]);
    expect(code, stderr).toBe(0);
    expect(view.revision).toEqual({
      revisionType: 'S3',
      s3Location: { bucket, key: 'app.tgz', bundleType: 'tgz', version: put.VersionId, eTag: put.ETag?.replace(/"/g, '') },
    });
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v1');
    expect(readFileSync(onHost('state', 'hooks.log'), 'utf8')).toBe('AfterInstall v1\nValidateService v1\n');
    const env = readFileSync(onHost('state', 'env-AfterInstall.txt'), 'utf8');
    expect(env).toContain(`BUNDLE_BUCKET=${bucket}\n`);
    expect(env).toContain('BUNDLE_KEY=app.tgz\n');
    expect(env).toContain(`BUNDLE_VERSION=${put.VersionId}\n`);
    expect(env).toContain(`BUNDLE_ETAG=${put.ETag?.replace(/"/g, '')}\n`);
    // The agent's keys never reach hooks; its region and endpoint do, as under the CodeDeploy agent.
    expect(env).not.toMatch(/^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)=/m);
    expect(env).toMatch(/^AWS_REGION=us-east-1$/m);
    // The downloaded bundle is not kept once extracted.
    expect(readdirSync(join(rootOf, 'deployment-root', view.deploymentGroupId, view.deploymentId)).sort()).toEqual(['deployment-archive', 'journal', 'logs']);
  });

  it('redeploys a new S3 version, cleaning up the previous one, and refuses an object that does not exist', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'app.tgz', Body: tgzArchive(revision(app, 'v2')) }));
    const { code, view } = await deploy(['--s3-location', `bucket=${bucket},key=app.tgz,bundleType=tgz`]);
    expect(code).toBe(0);
    expect(view.status).toBe('Succeeded');
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v2');
    expect(existsSync(onHost('app', 'v1.txt'))).toBe(false);

    const missing = await deploy(['--s3-location', `bucket=${bucket},key=nope.tgz,bundleType=tgz`]);
    expect(missing.code).toBe(1);
    expect(missing.view.errorInformation?.code).toBe('REVISION_MISSING');
    expect(missing.view.errorInformation?.message).toMatch(/nope\.tgz cannot be found/);
    expect(missing.view.targets.map((t) => t.status)).toEqual(['Skipped']);

    const changed = await deploy(['--s3-location', `bucket=${bucket},key=app.tgz,bundleType=tgz,eTag=0123456789abcdef0123456789abcdef`]);
    expect(changed.code).toBe(1);
    expect(changed.view.errorInformation).toMatchObject({ code: 'INVALID_REVISION' });
    expect(changed.view.errorInformation?.message).toMatch(/has ETag [0-9a-f]{32}, not the 0123456789abcdef0123456789abcdef the deployment asked for/);
  });

  it('deploys an HTTPS URL pinned by SHA-256, and refuses it when the digest does not match', async () => {
    const archive = tgzArchive(revision(app, 'v3'));
    served.set('/v3.tgz', archive);
    const ok = await deploy(['--url-location', `url=${httpsBase}/v3.tgz,sha256=${sha256(archive)},bundleType=tgz`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v3');

    served.set('/v4.tgz', tgzArchive(revision(app, 'v4')));
    const bad = await deploy(['--url-location', `url=${httpsBase}/v4.tgz,sha256=${sha256(archive)},bundleType=tgz`]);
    expect(bad.code).toBe(1);
    const download = event(bad.view, 'DownloadBundle');
    expect(download?.status).toBe('Failed');
    expect(download?.diagnostics?.message).toMatch(new RegExp(`v4\\.tgz has SHA-256 [0-9a-f]{64}, but the deployment pinned ${sha256(archive)}`));
    expect(bad.view.errorInformation?.message).toMatch(/First failure: .*DownloadBundle: UnknownError/);
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v3');
  });

  it('deploys a local zip, and refuses a hostile local archive without writing outside the revision', async () => {
    const zip = join(base, 'v5.zip');
    writeFileSync(zip, zipArchive(revision(app, 'v5')));
    const ok = await deploy(['--local-location', `path=${zip}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v5');

    const evil = join(base, 'evil.tgz');
    writeFileSync(evil, tgzArchive([...revision(app, 'v6'), { name: '../../../../escaped.txt', body: 'x' }]));
    const bad = await deploy(['--local-location', `path=${evil},bundleType=tgz`]);
    expect(bad.code).toBe(1);
    expect(event(bad.view, 'DownloadBundle')?.diagnostics?.message).toMatch(/entry "\.\.\/\.\.\/\.\.\/\.\.\/escaped\.txt" has a "\.\." path component/);
    expect(readdirSync(rootOf).filter((n) => n.includes('escaped'))).toEqual([]);
    expect(existsSync(join(rootOf, 'deployment-root', bad.view.deploymentGroupId, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(rootOf, 'deployment-root', bad.view.deploymentGroupId, bad.view.deploymentId, 'deployment-archive'))).toBe(false);
  });

  it("deploys a GitHub commit through the API's redirect, with the token on the API host only and nowhere else", async () => {
    const commit = createHash('sha1').update(name).digest('hex');
    // GitHub's tarballs hold one top directory, owner-repo-shortsha.
    commits.set(commit, tgzArchive(revision(app, 'v7').map((e) => ({ ...e, name: e.name.replace(/^release-v7/, `acme-web-${commit.slice(0, 7)}`) }))));
    const ok = await deploy(['--github-location', `repository=acme/web,commitId=${commit}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.view.revision).toEqual({ revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web', commitId: commit } });
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v7');
    const env = readFileSync(onHost('state', 'env-AfterInstall.txt'), 'utf8');
    expect(env).toContain(`BUNDLE_COMMIT=${commit}\n`);
    // The archive host got no token: only the signed URL the API handed out.
    expect(archiveRequests.at(-1)?.authorization).toBeUndefined();
    // The token is in no hook's environment, no host log, the agent's output or the deployment's history.
    expect(env).not.toContain(token);
    const deploymentDir = join(rootOf, 'deployment-root', ok.view.deploymentGroupId, ok.view.deploymentId);
    expect(readFileSync(join(deploymentDir, 'logs', 'scripts.log'), 'utf8')).not.toContain(token);
    expect(agentOutput.join('')).not.toContain(token);
    const history = await harness.client.workflow.getHandle(ok.view.deploymentId).fetchHistory();
    expect(JSON.stringify(history)).not.toContain(token);

    // A commit the API does not know fails DownloadBundle, naming the commit, not the signed URL.
    const unknown = 'f'.repeat(40);
    const missing = await deploy(['--github-location', `repository=acme/web,commitId=${unknown}`]);
    expect(missing.code).toBe(1);
    expect(event(missing.view, 'DownloadBundle')?.diagnostics?.message).toMatch(new RegExp(`GitHub commit acme/web@${unknown} was not found: .*\\(HTTP 404\\)`));
    expect(readFileSync(onHost('app', 'index.html'), 'utf8')).toBe('v7');
  });

  it('refuses a GitHub location that does not pin a full commit, before starting anything', async () => {
    const result = await gantry(['create-deployment', '--address', address, '--namespace', namespace, '--task-queue', harness.taskQueue, '--application-name', 'rev-app', '--deployment-group-name', name, '--target-hosts', host, '--github-location', 'repository=acme/web,commitId=main']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/revision\.gitHubLocation\.commitId must be the full commit SHA .*got "main"/);
  });
});
