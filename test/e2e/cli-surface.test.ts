/**
 * The CLI commands other files do not drive end to end, each through `gantry` against the dev
 * server and a real agent: its JSON, and its errors for bad input (exit code 2, the problem named).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../../workers/agent-process.js';
import { connectedGantry } from '../support/cli.js';
import { scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

describe('e2e: the rest of the CLI, command by command', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  const name = uniqueName('surface');
  const base = scratchDir('e2e-cli-surface');
  const hosts = [`${name}-h1`, `${name}-h2`];
  const cli = connectedGantry({ ...stackAddress(), taskQueue: () => harness.taskQueue });
  const usageError = (result: { code: number | null; stderr: string }, message: RegExp): void => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
  };
  let deploymentId = '';

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e cli surface'));
    writeProbeRevision(join(base, 'v1'), `gantry-surface-${name}`, join(base, 'fail-at'));
    agents = startHosts(hosts, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue });
    const deployed = await cli(['create-deployment', '--application-name', `surface-${name}`, '--deployment-group-name', 'web', '--target-hosts', hosts.join(','), '--local-location', `path=${join(base, 'v1')}`, '--wait']);
    expect(deployed.code, deployed.stderr).toBe(0);
    deploymentId = deployed.json.deploymentInfo.deploymentId;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
  });

  it('batch-get-deployments and batch-get-deployment-targets answer as CodeDeploy, and refuse more than 25', async () => {
    const batch = await cli(['batch-get-deployments', '--deployment-ids', `${deploymentId},d-NOSUCHONE`]);
    expect(batch.code, batch.stderr).toBe(0);
    expect(batch.json.deploymentsInfo.map((d: { deploymentId: string; status: string }) => [d.deploymentId, d.status])).toEqual([[deploymentId, 'Succeeded']]);
    usageError(await cli(['batch-get-deployments', '--deployment-ids', Array.from({ length: 26 }, () => deploymentId).join(',')]), /1-25 deployments; got 26/);
    const targets = await cli(['batch-get-deployment-targets', '--deployment-id', deploymentId, '--target-ids', hosts.join(',')]);
    expect(targets.json.deploymentTargets.map((t: { targetId: string; status: string }) => [t.targetId, t.status])).toEqual(hosts.map((h) => [h, 'Succeeded']));
    expect(targets.json.deploymentTargets[0].lifecycleEvents.map((e: { lifecycleEventName: string }) => e.lifecycleEventName)).toContain('ValidateService');
    usageError(await cli(['batch-get-deployment-targets', '--deployment-id', deploymentId, '--target-ids', 'nobody']), /has no target nobody \(DeploymentTargetDoesNotExist\)/);
  });

  it('get-deployment, list-deployments, list- and get-deployment-target name what is wrong', async () => {
    usageError(await cli(['get-deployment', '--deployment-id', 'd-NOSUCHONE']), /deployment d-NOSUCHONE does not exist/);
    usageError(await cli(['get-deployment']), /--deployment-id is required/);
    usageError(await cli(['get-deployment', '--deployment-id', deploymentId, '--output', 'yaml']), /--output must be json or text; got "yaml"/);
    usageError(await cli(['get-deployment', '--deployment-id', deploymentId, '--colour']), /Unknown option '--colour'/);
    await expect.poll(async () => (await cli(['list-deployments', '--application-name', `surface-${name}`])).json?.deployments, { timeout: 20_000 }).toEqual([
      { deploymentId, applicationName: `surface-${name}`, deploymentGroupName: 'web', status: 'Succeeded', revision: `local:${join(base, 'v1')}`, createTime: expect.any(String) },
    ]);
    usageError(await cli(['list-deployments', '--include-only-statuses', 'Sleeping']), /--include-only-statuses takes Created, Queued, InProgress, Ready, Succeeded, Failed, Stopped; got Sleeping/);
    const listed = await cli(['list-deployment-targets', '--deployment-id', deploymentId, '--target-status', 'Succeeded']);
    expect(listed.json.targets.map((t: { targetId: string }) => t.targetId).sort()).toEqual([...hosts].sort());
    const one = await cli(['get-deployment-target', '--deployment-id', deploymentId, '--target-id', hosts[0] as string]);
    expect(one.json.deploymentTarget).toMatchObject({ targetId: hosts[0], status: 'Succeeded' });
    usageError(await cli(['get-deployment-target', '--deployment-id', deploymentId, '--target-id', 'nobody']), /nobody/);
  });

  it('creates, reads, lists and deletes a custom deployment configuration; refuses bad ones, predefined ones and one a group uses', async () => {
    const config = `Surface${name.replace(/[^A-Za-z0-9]/g, '')}`;
    const created = await cli(['create-deployment-config', '--deployment-config-name', config, '--minimum-healthy-hosts', 'type=FLEET_PERCENT,value=75']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.deploymentConfigInfo).toMatchObject({ deploymentConfigName: config, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 } });
    expect((await cli(['get-deployment-config', '--deployment-config-name', config])).json.deploymentConfigInfo).toMatchObject({ deploymentConfigName: config });
    expect((await cli(['get-deployment-config', '--deployment-config-name', 'CodeDeployDefault.LambdaCanary10Percent5Minutes'])).json.deploymentConfigInfo).toMatchObject({ computePlatform: 'Lambda', trafficRoutingConfig: { type: 'TimeBasedCanary' } });
    const list = (await cli(['list-deployment-configs'])).json.deploymentConfigsList as string[];
    expect(list).toEqual(expect.arrayContaining([config, 'CodeDeployDefault.OneAtATime', 'CodeDeployDefault.LambdaAllAtOnce']));
    usageError(await cli(['create-deployment-config', '--deployment-config-name', `${config}Bad`, '--minimum-healthy-hosts', 'type=FLEET_PERCENT,value=150']), /150/);
    usageError(await cli(['create-deployment-config', '--deployment-config-name', `${config}None`]), /--minimum-healthy-hosts type=FLEET_PERCENT\|HOST_COUNT,value=N is required/);
    usageError(await cli(['get-deployment-config', '--deployment-config-name', `${config}Missing`]), /does not exist/);
    usageError(await cli(['delete-deployment-config', '--deployment-config-name', 'CodeDeployDefault.OneAtATime']), /is predefined and cannot be deleted/);

    expect((await cli(['create-deployment-group', '--application-name', `surface-${name}`, '--deployment-group-name', 'uses-config', '--target-hosts', hosts[0] as string, '--deployment-config-name', config])).code).toBe(0);
    await expect.poll(async () => (await cli(['delete-deployment-config', '--deployment-config-name', config])).stderr, { timeout: 20_000 }).toMatch(/is used by deployment group .*uses-config \(DeploymentConfigInUseException\)/);
    expect((await cli(['delete-deployment-group', '--application-name', `surface-${name}`, '--deployment-group-name', 'uses-config'])).json).toEqual({ hooksNotCleanedUp: [] });
    await expect.poll(async () => (await cli(['delete-deployment-config', '--deployment-config-name', config])).json, { timeout: 20_000 }).toEqual({ deploymentConfigName: config, deleted: true });
    usageError(await cli(['get-deployment-config', '--deployment-config-name', config]), /does not exist/);
  });

  it('rollback and continue-deployment refuse what they cannot do, saying why', async () => {
    expect((await cli(['create-deployment-group', '--application-name', `surface-${name}`, '--deployment-group-name', 'fresh', '--target-hosts', hosts[1] as string])).code).toBe(0);
    usageError(await cli(['rollback', '--application-name', `surface-${name}`, '--deployment-group-name', 'fresh']), /has no earlier successful deployment to roll back to/);
    usageError(await cli(['rollback', '--application-name', `surface-${name}`, '--deployment-group-name', 'nowhere']), /does not exist: create it with gantry create-deployment-group/);
    usageError(await cli(['continue-deployment', '--deployment-id', deploymentId, '--deployment-wait-type', 'SOMETIMES']), /SOMETIMES/);
    expect((await cli(['delete-deployment-group', '--application-name', `surface-${name}`, '--deployment-group-name', 'fresh'])).code).toBe(0);
  });

  it('an unknown command names the nearest one; every command answers --help and exits', async () => {
    usageError(await cli(['list-deployment']), /unknown command "list-deployment".*did you mean list-deployments/s);
    const help = await cli(['delete-application', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/delete-application --application-name A/);
  });
});
