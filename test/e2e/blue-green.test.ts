import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import type { DeploymentInput } from '../../workflows/contracts/deployment.js';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { continueDeployment, getDeployment, getDeploymentSummary, startDeployment, stopDeployment } from '../../workers/deployments.js';
import { createDeploymentGroup, createGroupDeployment } from '../../workers/deployment-groups.js';
import { connectedGantry } from '../support/cli.js';
import { motoEnv, scratchDir, stackAddress, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { createIpTargetGroup, createLoadBalancerListener, motoElbv2 } from '../support/moto-elbv2.js';
import { writeProbeRevision } from '../support/probe-revision.js';

/**
 * Blue/green through the whole stack: real agents on simulated hosts that are moto EC2 instances,
 * real hooks, moto ELBv2 target groups and listeners. Every check reads the load balancer's and
 * EC2's own state, and the files on the hosts.
 */
describe('e2e: blue/green on moto ELBv2 and EC2 with real agents', () => {
  let harness: Harness;
  let agents: AgentProcess[] = [];
  const env = motoEnv();
  const elb = motoElbv2();
  const ec2 = new EC2Client({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const name = uniqueName('bg-e2e');
  const app = `gantry-bg-${name}`;
  const base = scratchDir('e2e-blue-green');
  const marker = join(base, 'fail-at');
  /** Instance IDs: b[0], b[1] start as blue, g[0], g[1] as green; target groups m (main), a and b (a pair). */
  let b: string[] = [];
  let g: string[] = [];
  const tg: Record<string, string> = {};
  let listenerArn = '';
  const { address, namespace } = stackAddress();
  const cli = connectedGantry({ address, namespace, taskQueue: () => harness.taskQueue });

  const health = async (group: string): Promise<string[]> => {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg[group] }));
    return (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').map((d) => d.Target?.Id as string).sort();
  };
  const forwards = async (): Promise<string> => {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const forward = out.Listeners?.[0]?.DefaultActions?.find((a) => a.Type === 'forward');
    const groups = forward?.ForwardConfig?.TargetGroups?.length ? forward.ForwardConfig.TargetGroups.map((x) => ({ arn: x.TargetGroupArn, w: x.Weight ?? 1 })) : [{ arn: forward?.TargetGroupArn, w: 1 }];
    const nameOf = (arn: string | undefined): string => Object.entries(tg).find(([, v]) => v === arn)?.[0] ?? String(arn);
    return groups.map((x) => `${nameOf(x.arn)}=${x.w}`).join(',');
  };
  const version = (hostId: string): string | undefined => {
    const file = hostLayerPath(join(base, 'hosts', hostId), '/srv', app, 'version.txt');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const hooksRun = (hostId: string, deploymentId: string): string[] => {
    const file = hostLayerPath(join(base, 'hosts', hostId), '/srv', `${app}-state`, 'hooks.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.startsWith(`${deploymentId} `)).map((l) => l.split(' ')[1] as string);
  };
  const ended = async (id: string): Promise<DeploymentSummary> => {
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeploymentSummary(harness.client, id);
  };
  const revision = (v: string) => ({ revisionType: 'Local' as const, local: { path: join(base, v) } });
  const style = { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' } as const;
  const pairInfo = { targetGroupPairInfoList: [{ targetGroups: [{ name: `${name}-a` }, { name: `${name}-b` }], prodTrafficRoute: { listenerArns: [] as string[] } }], trafficTimeoutSeconds: 30 };

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e blue green'));
    for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) writeProbeRevision(join(base, v), app, marker, '', { 'version.txt': v });
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12345678', InstanceType: 't3.micro', MinCount: 4, MaxCount: 4 }));
    const ids = (run.Instances ?? []).map((i) => i.InstanceId as string);
    b = ids.slice(0, 2);
    g = ids.slice(2, 4);
    for (const key of ['m', 'a', 'b']) tg[key] = await createIpTargetGroup(elb, `${name}-${key}`, 'instance');
    listenerArn = await createLoadBalancerListener(elb, name, tg.a as string);
    pairInfo.targetGroupPairInfoList[0]!.prodTrafficRoute.listenerArns = [listenerArn];
    // The original environment serves: blue registered in the main group and in the pair's live group.
    for (const group of ['m', 'a']) await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg[group], Targets: b.map((Id) => ({ Id })) }));
    agents = startHosts(ids, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, tags: { app: name }, elbTargets: Object.fromEntries(ids.map((id) => [id, id])) });
    // Every host installs v1 in place first (in the first test's group), as an existing fleet would have.
    const first = await startDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: name, revision: revision('v1'), targetHosts: ids, deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }, { taskQueue: harness.taskQueue });
    expect((await ended(first)).status).toBe('Succeeded');
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
    elb.destroy();
    ec2.destroy();
  });

  it('REGISTER_TARGETS through a group: green installs and is registered, blue is deregistered and kept alive', async () => {
    const created = await cli([
      'create-deployment-group', '--application-name', 'bg-app', '--deployment-group-name', name, '--target-hosts', b.join(','),
      '--deployment-style', 'deploymentType=BLUE_GREEN,deploymentOption=WITH_TRAFFIC_CONTROL', '--target-group-names', `${name}-m`, '--traffic-timeout', '30',
      '--deployment-config-name', 'AllAtOnce', '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_FAILURE|DEPLOYMENT_STOP_ON_REQUEST',
      '--blue-green-deployment-configuration', JSON.stringify({ terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } }),
    ]);
    expect(created.code, created.stderr).toBe(0);
    const result = await cli(['create-deployment', '--application-name', 'bg-app', '--deployment-group-name', name, '--local-location', `path=${join(base, 'v2')}`, '--target-instances', JSON.stringify({ targetHosts: g }), '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const id = result.json.deploymentInfo.deploymentId as string;
    expect(await health('m')).toEqual([...g].sort());
    expect(g.map(version)).toEqual(['v2', 'v2']);
    expect(b.map(version)).toEqual(['v1', 'v1']);
    expect(hooksRun(g[0] as string, id)).toEqual(['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic']);
    // Blue's block-traffic hooks come from its last successful install (v1): ApplicationStop is no block event.
    expect(hooksRun(b[0] as string, id)).toEqual(['BeforeBlockTraffic', 'AfterBlockTraffic']);
    const instances = await ec2.send(new DescribeInstancesCommand({ InstanceIds: b }));
    expect(instances.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual(['running', 'running']);
    const blue = await cli(['list-deployment-targets', '--deployment-id', id, '--target-filters', 'ServerInstanceLabel=Blue']);
    expect(blue.json.targets.map((t: { targetId: string }) => t.targetId).sort()).toEqual([...b].sort());
    const text = await cli(['get-deployment', '--deployment-id', id, '--output', 'text']);
    expect(text.stdout).toMatch(/blue\/green: REGISTER_TARGETS; target groups .*; traffic rerouted; originals kept alive/);
  });

  it('a replacement host failing ValidateService rolls back through the group: the load balancer is exactly as it was', async () => {
    writeFileSync(marker, 'ValidateService');
    try {
      // The group's original environment is now the hosts the last deployment left serving (g).
      const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: name }, { revision: revision('v3'), deploymentConfigName: 'CodeDeployDefault.OneAtATime', targetInstances: { targetHosts: b } }, harness.taskQueue);
      const failed = await ended(deploymentId);
      expect(failed.status).toBe('Failed');
      expect(failed.targets.filter((t) => t.instanceLabel === 'Blue').map((t) => t.targetId).sort()).toEqual([...g].sort());
      const rollbackId = failed.rollbackInfo?.rollbackDeploymentId as string;
      expect(rollbackId).toMatch(/^d-/);
      rmSync(marker);
      const rollback = await ended(rollbackId);
      expect(rollback.status).toBe('Succeeded');
      expect(await health('m')).toEqual([...g].sort());
      expect(hooksRun(g[0] as string, rollbackId)).toEqual(['BeforeAllowTraffic', 'AfterAllowTraffic']);
      expect(hooksRun(b[0] as string, rollbackId)).toEqual(['BeforeBlockTraffic', 'AfterBlockTraffic']);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('WEIGHTED_SHIFT: the canary weight is on the listener; stop with rollback mid-shift puts it back', async () => {
    const group = `${name}-w`;
    await createDeploymentGroup(
      harness.client,
      {
        applicationName: 'bg-app',
        deploymentGroupName: group,
        targetHosts: b,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        // Other groups of the same application install over v1's files.
        fileExistsBehavior: 'OVERWRITE',
        deploymentStyle: style,
        loadBalancerInfo: pairInfo,
        blueGreenDeploymentConfiguration: { trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 30 } } },
      },
      harness.taskQueue,
    );
    const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: group }, { revision: revision('v4'), targetInstances: { targetHosts: g } }, harness.taskQueue);
    await expect.poll(forwards, { timeout: 60_000, interval: 250 }).toBe('a=90,b=10');
    expect(await health('b')).toEqual([...g].sort());
    expect((await getDeploymentSummary(harness.client, deploymentId)).currentStep?.kind).toBe('bake');
    await stopDeployment(harness.client, deploymentId, { autoRollback: true });
    const stopped = await ended(deploymentId);
    expect(stopped.status).toBe('Stopped');
    const rollback = await ended(stopped.rollbackInfo?.rollbackDeploymentId as string);
    expect(rollback.status).toBe('Succeeded');
    expect(await forwards()).toBe('a=1');
    expect(await health('b')).toEqual([]);
    expect(await health('a')).toEqual([...b].sort());
  });

  it('STOP_DEPLOYMENT with no continue: Stopped once the wait runs out, the listener untouched', async () => {
    const id = await startDeployment(
      harness.client,
      { applicationName: 'bg-app', deploymentGroupName: `${name}-t`, revision: revision('v4'), fileExistsBehavior: 'OVERWRITE', targetHosts: b, targetInstances: { targetHosts: g }, deploymentStyle: style, loadBalancerInfo: pairInfo,
        blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 0.05 } } } as DeploymentInput,
      { taskQueue: harness.taskQueue },
    );
    const view = await ended(id);
    expect(view.status).toBe('Stopped');
    expect(view.errorInformation?.code).toBe('TIMEOUT');
    expect(await forwards()).toBe('a=1');
    expect(await health('b')).toEqual([]);
  });

  it('stop with rollback in the Ready wait, then after the reroute in the termination wait: each time the load balancer goes back', async () => {
    const group = `${name}-r`;
    await createDeploymentGroup(
      harness.client,
      {
        applicationName: 'bg-app', deploymentGroupName: group, targetHosts: b, deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE', deploymentStyle: style, loadBalancerInfo: pairInfo,
        blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } },
      },
      harness.taskQueue,
    );
    const deploy = async (): Promise<string> => (await createGroupDeployment(harness.client, { applicationName: 'bg-app', deploymentGroupName: group }, { revision: revision('v4'), targetInstances: { targetHosts: g } }, harness.taskQueue)).deploymentId;
    const stopAndRollBack = async (id: string): Promise<DeploymentSummary> => {
      await stopDeployment(harness.client, id, { autoRollback: true });
      const stopped = await ended(id);
      expect(stopped.status).toBe('Stopped');
      return ended(stopped.rollbackInfo?.rollbackDeploymentId as string);
    };

    const ready = await deploy();
    await expect.poll(async () => (await getDeploymentSummary(harness.client, ready)).status, { timeout: 60_000, interval: 250 }).toBe('Ready');
    expect(await forwards()).toBe('a=1');
    expect((await stopAndRollBack(ready)).status).toBe('Succeeded');
    expect(await forwards()).toBe('a=1');
    expect(await health('a')).toEqual([...b].sort());
    expect(await health('b')).toEqual([]);

    const rerouted = await deploy();
    await expect.poll(async () => (await getDeploymentSummary(harness.client, rerouted)).status, { timeout: 60_000, interval: 250 }).toBe('Ready');
    await continueDeployment(harness.client, rerouted, 'READY_WAIT');
    await expect.poll(async () => (await getDeploymentSummary(harness.client, rerouted)).currentStep?.detail, { timeout: 60_000, interval: 250 }).toBe('TERMINATION_WAIT');
    expect(await forwards()).toBe('b=1');
    expect(await health('a')).toEqual([]);
    const rollback = await stopAndRollBack(rerouted);
    expect(rollback.status).toBe('Succeeded');
    expect(await forwards()).toBe('a=1');
    expect(await health('a')).toEqual([...b].sort());
    expect(await health('b')).toEqual([]);
    const instances = await ec2.send(new DescribeInstancesCommand({ InstanceIds: b }));
    expect(instances.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual(['running', 'running']);
  });

  it('a stop during the green install kills the running hook and leaves the listener and target groups alone', async () => {
    writeFileSync(`${marker}.slow`, '60');
    try {
      const id = await startDeployment(
        harness.client,
        { applicationName: 'bg-app', deploymentGroupName: `${name}-i`, revision: revision('v4'), fileExistsBehavior: 'OVERWRITE', targetHosts: b, targetInstances: { targetHosts: g }, deploymentStyle: style, loadBalancerInfo: pairInfo } as DeploymentInput,
        { taskQueue: harness.taskQueue },
      );
      await expect.poll(async () => (await getDeployment(harness.client, id)).targets.find((t) => t.targetId === g[0])?.lifecycleEvents.find((e) => e.lifecycleEventName === 'ApplicationStart')?.status, { timeout: 60_000, interval: 250 }).toBe('InProgress');
      await stopDeployment(harness.client, id);
      const stopped = await ended(id);
      expect(stopped.status).toBe('Stopped');
      expect(hooksRun(g[0] as string, id)).not.toContain('ApplicationStart');
      expect(await forwards()).toBe('a=1');
      expect(await health('a')).toEqual([...b].sort());
      expect(await health('b')).toEqual([]);
    } finally {
      rmSync(`${marker}.slow`, { force: true });
    }
  });

  it('LISTENER_SWITCH from the CLI: Ready until continue-deployment, then the switch, then TERMINATE once the termination wait is skipped', async () => {
    const started = await cli([
      'create-deployment', '--application-name', 'bg-app', '--deployment-group-name', `${name}-s`, '--local-location', `path=${join(base, 'v5')}`,
      '--target-hosts', b.join(','), '--target-instances', JSON.stringify({ targetHosts: g }),
      '--deployment-style', 'deploymentType=BLUE_GREEN,deploymentOption=WITH_TRAFFIC_CONTROL', '--load-balancer-info', JSON.stringify(pairInfo), '--deployment-config-name', 'AllAtOnce', '--file-exists-behavior', 'OVERWRITE',
      '--blue-green-deployment-configuration', JSON.stringify({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 } }),
    ]);
    expect(started.code, started.stderr).toBe(0);
    const id = started.json.deploymentId as string;
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).status, { timeout: 60_000, interval: 250 }).toBe('Ready');
    expect(await forwards()).toBe('a=1');
    expect(g.map(version)).toEqual(['v5', 'v5']);
    const early = await cli(['continue-deployment', '--deployment-id', id, '--deployment-wait-type', 'TERMINATION_WAIT']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/is in its READY_WAIT, not its TERMINATION_WAIT/);
    const go = await cli(['continue-deployment', '--deployment-id', id]);
    expect(go.code, go.stderr).toBe(0);
    await expect.poll(async () => (await getDeploymentSummary(harness.client, id)).currentStep?.detail, { timeout: 60_000, interval: 250 }).toBe('TERMINATION_WAIT');
    expect(await forwards()).toBe('b=1');
    expect(await health('b')).toEqual([...g].sort());
    expect(await health('a')).toEqual([]);
    await continueDeployment(harness.client, id, 'TERMINATION_WAIT');
    const done = await ended(id);
    expect(done.status).toBe('Succeeded');
    expect(done.blueGreen).toMatchObject({ trafficMethod: 'LISTENER_SWITCH', originalInstances: 'TERMINATED', instanceTerminationWaitTimeStarted: true });
    const instances = await ec2.send(new DescribeInstancesCommand({ InstanceIds: b }));
    expect(instances.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual(['terminated', 'terminated']);
    const view = await getDeployment(harness.client, id);
    expect(view.targets.find((t) => t.targetId === g[0])?.lifecycleEvents.map((e) => e.lifecycleEventName)).toEqual([
      'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic',
    ]);
  });
});
