/**
 * Applications and their revisions through the CLI, on the dev server with a real agent: create, get,
 * rename (groups, history and host state follow) and delete applications; register, list, get and batch-get revisions, with the hosts each
 * deployment put a revision on; delete deployment groups. Each command's JSON and its bad-input errors.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import type { RevisionLocation } from '../../workflows/contracts/revision.js';
import { connectedGantry } from '../support/cli.js';
import { waitUntil } from '../../workers/processes.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

describe('e2e: applications and application revisions through the CLI', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  const name = uniqueName('apps');
  const application = `apps-${name}`;
  const base = scratchDir('e2e-applications');
  const marker = join(base, 'fail-at');
  const host = `${name}-h1`;
  const cli = connectedGantry({ ...stackAddress(), taskQueue: () => harness.taskQueue });
  const local = (version: string): RevisionLocation => ({ revisionType: 'Local', local: { path: join(base, version) } });
  const s3: RevisionLocation = { revisionType: 'S3', s3Location: { bucket: 'releases', key: 'shop/2.0.tgz', bundleType: 'tgz' } };
  /** The application's name now (a test below renames it). */
  let current = application;
  const group = (): string[] => ['--application-name', current, '--deployment-group-name', 'web'];
  const onHost = (...path: string[]): string => hostLayerPath(join(base, 'hosts', host), '/srv', ...path);

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e applications'));
    for (const version of ['v1', 'v2']) writeProbeRevision(join(base, version), `gantry-apps-${name}`, marker);
    agents = startHosts([host], join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue });
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
  });

  it('creates and reads an application, and names what is wrong with a bad one', async () => {
    const created = await cli(['create-application', '--application-name', application]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toEqual({ applicationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const got = await cli(['get-application', '--application-name', application]);
    expect(got.json.application).toEqual({ applicationName: application, applicationId: created.json.applicationId, computePlatform: 'Server', createTime: expect.any(String) });
    expect((await cli(['list-applications'])).json.applications).toContain(application);
    const again = await cli(['create-application', '--application-name', application]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/already exists \(ApplicationAlreadyExists\)/)]);
    const bad = await cli(['create-application', '--application-name', 'no spaces', '--compute-platform', 'ECS']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/applicationName must be 1-100 characters .*got "no spaces".*computePlatform must be Server or Lambda/s);
    const unknown = await cli(['get-application', '--application-name', `${application}-nope`]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/does not exist \(ApplicationDoesNotExist\)/)]);
  });

  it('registers a revision with a description, and refuses a bad one or an unknown application', async () => {
    const registered = await cli(['register-application-revision', '--application-name', application, '--s3-location', 'bucket=releases,key=shop/2.0.tgz,bundleType=tgz', '--description', 'release 2.0', '--output', 'json']);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.json).toEqual({ applicationName: application, revision: s3, registerTime: expect.any(String) });
    const bad = await cli(['register-application-revision', '--application-name', application, '--s3-location', 'bucket=releases,key=x.rar,bundleType=rar']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/bundleType must be one of tar, tgz, zip; got "rar"/)]);
    const orphan = await cli(['register-application-revision', '--application-name', `${application}-nope`, '--s3-location', 'bucket=releases,key=a.tgz,bundleType=tgz']);
    expect([orphan.code, orphan.stderr]).toEqual([2, expect.stringMatching(/ApplicationDoesNotExist/)]);
  });

  it('knows each revision from its registration and its deployments: when, to which groups, onto which hosts', async () => {
    expect((await cli(['create-deployment-group', ...group(), '--target-hosts', host])).code).toBe(0);
    for (const version of ['v1', 'v2']) {
      const deployed = await cli(['create-deployment', ...group(), '--local-location', `path=${join(base, version)}`, '--wait']);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    // Visibility is eventually consistent: wait until it lists both deployments.
    await expect.poll(async () => (await cli(['list-application-revisions', '--application-name', application])).json?.revisions?.length, { timeout: 20_000 }).toBe(3);
    const list = async (...flags: string[]) => (await cli(['list-application-revisions', '--application-name', application, ...flags])).json.revisions;
    expect(await list('--sort-by', 'firstUsedTime')).toEqual([local('v1'), local('v2'), s3]); // never used: last
    expect(await list('--sort-by', 'lastUsedTime', '--sort-order', 'descending')).toEqual([local('v2'), local('v1'), s3]);
    expect(await list('--sort-by', 'registerTime')).toEqual([s3, local('v1'), local('v2')]);
    expect(await list('--deployed', 'include')).toEqual([local('v2')]); // the group's target revision
    expect(await list('--deployed', 'exclude', '--sort-by', 'registerTime')).toEqual([s3, local('v1')]);
    expect(await list('--s3-bucket', 'releases', '--s3-key-prefix', 'shop/')).toEqual([s3]);
    expect(await list('--s3-bucket', 'releases', '--s3-key-prefix', 'other/')).toEqual([]);
    const noBucket = await cli(['list-application-revisions', '--application-name', application, '--s3-key-prefix', 'shop/', '--sort-by', 'size']);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toMatch(/sortBy must be one of registerTime, firstUsedTime, lastUsedTime; got "size".*s3KeyPrefix needs s3Bucket/s);

    const v1 = await cli(['get-application-revision', '--application-name', application, '--local-location', `path=${join(base, 'v1')}`]);
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.json).toMatchObject({ applicationName: application, revision: local('v1'), deploymentCount: 1, revisionInfo: { deploymentGroups: ['web'] } });
    const info = v1.json.revisionInfo;
    // First deployed, so registered by that deployment, as CodeDeploy does.
    expect([info.registerTime, info.lastUsedTime]).toEqual([info.firstUsedTime, info.firstUsedTime]);
    expect(v1.json.deployments).toEqual([
      { deploymentId: expect.stringMatching(/^d-/), deploymentGroupName: 'web', status: 'Succeeded', createTime: info.firstUsedTime, completeTime: expect.any(String), targets: [{ targetId: host, status: 'Succeeded', lastUpdatedAt: expect.any(String) }] },
    ]);
    const registered = await cli(['get-application-revision', '--application-name', application, '--s3-location', 'bucket=releases,key=shop/2.0.tgz,bundleType=tgz']);
    expect(registered.json).toMatchObject({ revision: s3, revisionInfo: { description: 'release 2.0', deploymentGroups: [] }, deployments: [], deploymentCount: 0 });
    expect(registered.json.revisionInfo.firstUsedTime).toBeUndefined();
    const unknown = await cli(['get-application-revision', '--application-name', application, '--local-location', 'path=/nowhere']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/local:\/nowhere of application .* is neither registered nor deployed \(RevisionDoesNotExist\)/)]);

    const batch = await cli(['batch-get-application-revisions', '--application-name', application, '--revisions', JSON.stringify([local('v2'), s3, local('nowhere-at-all')])]);
    expect(batch.code, batch.stderr).toBe(0);
    expect(batch.json.revisions.map((r: { revisionLocation: RevisionLocation }) => r.revisionLocation)).toEqual([local('v2'), s3]);
    expect(batch.json.revisions[1].genericRevisionInfo).toMatchObject({ description: 'release 2.0', deploymentGroups: [] });
    expect(batch.json.errorMessage).toMatch(/not registered or deployed: local:.*nowhere-at-all/);
    const tooMany = await cli(['batch-get-application-revisions', '--application-name', application, '--revisions', JSON.stringify(Array.from({ length: 26 }, () => s3))]);
    expect([tooMany.code, tooMany.stderr]).toEqual([2, expect.stringMatching(/give 1 to 25 revisions \(BatchLimitExceeded\); got 26/)]);
    const notArray = await cli(['batch-get-application-revisions', '--application-name', application, '--revisions', '{}']);
    expect([notArray.code, notArray.stderr]).toEqual([2, expect.stringMatching(/--revisions must be a JSON array/)]);
  });

  it('renames an application with its groups: history and revisions follow, and hosts adopt what the old name left', async () => {
    const lone = `${application}-lone`;
    expect((await cli(['create-application', '--application-name', lone])).code).toBe(0);
    const taken = await cli(['update-application', '--application-name', lone, '--new-application-name', application]);
    expect([taken.code, taken.stderr]).toEqual([2, expect.stringMatching(/already exists \(ApplicationAlreadyExists\)/)]);
    const missingFlag = await cli(['update-application', '--application-name', lone]);
    expect([missingFlag.code, missingFlag.stderr]).toEqual([2, expect.stringMatching(/--new-application-name is required/)]);
    const badName = await cli(['update-application', '--application-name', lone, '--new-application-name', 'no spaces']);
    expect([badName.code, badName.stderr]).toEqual([2, expect.stringMatching(/newApplicationName must be 1-100 characters/)]);
    expect((await cli(['delete-application', '--application-name', lone])).code).toBe(0);

    const before = (await cli(['get-deployment-group', ...group()])).json.deploymentGroupInfo;
    const renamed = `${application}-renamed`;
    const answer = await cli(['update-application', '--application-name', application, '--new-application-name', renamed, '--output', 'json']);
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.json.application).toMatchObject({ applicationName: renamed, applicationId: expect.any(String), formerNames: [application] });
    current = renamed;
    expect((await cli(['get-application', '--application-name', application])).code).toBe(2);
    // The group moved with its configuration and history, under a group ID of its new names.
    const after = (await cli(['get-deployment-group', ...group()])).json.deploymentGroupInfo;
    expect(after).toMatchObject({ config: { applicationName: renamed, targetHosts: [host] }, formerNames: [{ applicationName: application, deploymentGroupName: 'web' }] });
    expect(after.history.map((r: { deploymentId: string }) => r.deploymentId)).toEqual(before.history.map((r: { deploymentId: string }) => r.deploymentId));
    expect(after.deploymentGroupId).not.toBe(before.deploymentGroupId);
    expect((await cli(['get-deployment-group', '--application-name', application, '--deployment-group-name', 'web'])).code).toBe(2);
    // Its deployments and revisions are still the application's.
    await expect.poll(async () => (await cli(['list-deployments', '--application-name', renamed])).json?.deployments?.length, { timeout: 20_000 }).toBe(2);
    expect((await cli(['list-application-revisions', '--application-name', renamed])).json.revisions).toHaveLength(3);

    // The next deployment: the host moves the old group's state over, so ApplicationStop runs the last
    // revision's scripts and Install cleans up the old files first (DISALLOW would refuse them otherwise).
    const again = await cli(['create-deployment', ...group(), '--local-location', `path=${join(base, 'v1')}`, '--wait']);
    expect(again.code, again.stderr).toBe(0);
    const log = readFileSync(onHost(`gantry-apps-${name}-state`, 'hooks.log'), 'utf8');
    expect(log).toContain(`${again.json.deploymentInfo.deploymentId} ApplicationStop`);
    const root = join(base, 'hosts', host, 'deployment-root');
    expect(existsSync(join(root, before.deploymentGroupId))).toBe(false);
    expect(readdirSync(join(root, after.deploymentGroupId))).toEqual(expect.arrayContaining([before.history[0].deploymentId, again.json.deploymentInfo.deploymentId]));
    expect(readFileSync(join(root, 'deployment-instructions', `${after.deploymentGroupId}_last_successful_install`), 'utf8')).toBe(join(root, after.deploymentGroupId, again.json.deploymentInfo.deploymentId));
  });

  it('refuses to delete a group or an application while a deployment runs, then deletes both, groups first', async () => {
    writeFileSync(`${marker}.slow`, '120');
    try {
      const started = await cli(['create-deployment', ...group(), '--local-location', `path=${join(base, 'v1')}`]);
      expect(started.code, started.stderr).toBe(0);
      const deploymentId = started.json.deploymentId as string;
      const group1 = await cli(['delete-deployment-group', ...group()]);
      expect([group1.code, group1.stderr]).toEqual([2, expect.stringMatching(new RegExp(`has deployments in progress or queued \\(${deploymentId}\\)`))]);
      await expect.poll(async () => (await cli(['delete-application', '--application-name', current])).stderr, { timeout: 20_000 }).toMatch(/has deployments in progress or queued/);
      expect((await cli(['stop-deployment', '--deployment-id', deploymentId])).code).toBe(0);
      await waitUntil('the stopped deployment to end', async () => (await cli(['get-deployment', '--deployment-id', deploymentId])).json?.deploymentInfo?.status === 'Stopped', 60_000);
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
    // Visibility may lag the end of the deployment by a moment.
    await expect.poll(async () => (await cli(['delete-application', '--application-name', current])).code, { timeout: 20_000 }).toBe(0);
    expect((await cli(['get-application', '--application-name', current])).code).toBe(2);
    const group2 = await cli(['get-deployment-group', ...group()]);
    expect([group2.code, group2.stderr]).toEqual([2, expect.stringMatching(/does not exist/)]);
    await expect.poll(async () => (await cli(['list-deployment-groups', '--application-name', current])).json?.deploymentGroups, { timeout: 20_000 }).toEqual([]);
    // Deleting what is gone: a group succeeds (as CodeDeploy), an application says it does not exist.
    expect((await cli(['delete-deployment-group', ...group()])).json).toEqual({ hooksNotCleanedUp: [] });
    expect((await cli(['delete-application', '--application-name', current])).stderr).toMatch(/ApplicationDoesNotExist/);
    // The names can be used again at once.
    const recreated = await cli(['create-deployment-group', ...group(), '--target-hosts', host]);
    expect(recreated.code, recreated.stderr).toBe(0);
    expect(recreated.json.deploymentGroupInfo.history).toEqual([]);
  });
});
