import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { hostLayerPath } from '../../agent/simulated-host.js';
import type { AgentProcess } from '../../workers/agent-process.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { createDeploymentGroup, createGroupDeployment, getDeploymentGroup, updateDeploymentGroup } from '../../workers/deployment-groups.js';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { motoEnv, scratchDir, startController, startHosts, uniqueName, type Harness } from '../support/harness.js';
import { createIpTargetGroup, motoElbv2 } from '../support/moto-elbv2.js';
import { writeProbeRevision } from '../support/probe-revision.js';

/**
 * COPY_AUTO_SCALING_GROUP through the whole stack: moto's Auto Scaling launches the copy's
 * instances, the test boots an agent on each (as an instance's user data would), and the deployment
 * waits for them, deploys, moves traffic and deletes the original group.
 */
describe('e2e: blue/green COPY_AUTO_SCALING_GROUP on moto Auto Scaling, EC2 and ELBv2 with real agents', () => {
  let harness: Harness;
  const agents: AgentProcess[] = [];
  const env = motoEnv();
  const aws = { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const asg = new AutoScalingClient(aws);
  const ec2 = new EC2Client(aws);
  const elb = motoElbv2();
  const name = uniqueName('bg-asg');
  const app = `gantry-asg-${name}`;
  const base = scratchDir('e2e-blue-green-asg');
  const source = `${name}-web`;
  let targetGroupArn = '';
  let originals: string[] = [];

  const boot = (ids: string[]): void => {
    agents.push(...startHosts(ids, join(base, 'hosts'), { controllerTaskQueue: harness.taskQueue, elbTargets: Object.fromEntries(ids.map((id) => [id, id])) }));
  };
  const instancesOf = async (group: string): Promise<string[]> => {
    const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
    return (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId as string).sort();
  };
  const healthy = async (): Promise<string[]> => {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').map((d) => d.Target?.Id as string).sort();
  };
  const ended = async (id: string): Promise<DeploymentSummary> => {
    await harness.client.workflow.getHandle(id).result().catch(() => undefined);
    return getDeploymentSummary(harness.client, id);
  };

  beforeAll(async () => {
    harness = await startController(uniqueName('e2e blue green asg'));
    for (const v of ['v1', 'v2']) writeProbeRevision(join(base, v), app, join(base, 'fail-at'), '', { 'version.txt': v });
    targetGroupArn = await createIpTargetGroup(elb, `${name}-tg`, 'instance');
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
    const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: `${name}-lt`, LaunchTemplateData: { ImageId: 'ami-12345678', InstanceType: 't3.micro' } }));
    // The original group serves through the target group, as an Auto Scaling group attached to it does.
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: source,
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' },
        MinSize: 2, MaxSize: 4, DesiredCapacity: 2,
        VPCZoneIdentifier: subnets.Subnets?.[0]?.SubnetId,
        TargetGroupARNs: [targetGroupArn],
        Tags: [{ Key: 'app', Value: name, PropagateAtLaunch: true }],
      }),
    );
    originals = await instancesOf(source);
    expect(originals).toHaveLength(2);
    boot(originals);
    const seed = await startDeployment(harness.client, { applicationName: 'asg-app', deploymentGroupName: name, revision: { revisionType: 'Local', local: { path: join(base, 'v1') } }, targetHosts: originals, deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }, { taskQueue: harness.taskQueue });
    expect((await ended(seed)).status).toBe('Succeeded');
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await harness?.close();
    for (const client of [asg, ec2, elb]) client.destroy();
  });

  it('copies the group, waits for its agents, moves traffic to them, then deletes the original group and its instances', async () => {
    await createDeploymentGroup(
      harness.client,
      {
        applicationName: 'asg-app',
        deploymentGroupName: name,
        autoScalingGroups: [source],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { targetGroupInfoList: [{ name: `${name}-tg` }], trafficTimeoutSeconds: 30 },
        blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 } },
      },
      harness.taskQueue,
    );
    const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'asg-app', deploymentGroupName: name }, { revision: { revisionType: 'Local', local: { path: join(base, 'v2') } } }, harness.taskQueue);
    const copy = `CodeDeploy_${name}_${deploymentId}`;
    // The copy's instances come up; their agents start (user data would do this on a real instance).
    await expect.poll(() => instancesOf(copy).catch(() => []), { timeout: 30_000, interval: 250 }).toHaveLength(2);
    const replacements = await instancesOf(copy);
    // Not attached to the target group: no traffic reaches the copy before AllowTraffic.
    expect(await healthy()).toEqual(originals);
    expect((await getDeploymentSummary(harness.client, deploymentId)).currentStep?.kind).toBe('selectTargets');
    boot(replacements);
    const done = await ended(deploymentId);
    expect(done.status, done.errorInformation?.message).toBe('Succeeded');
    expect(done.targets.map((t) => `${t.targetId}:${t.instanceLabel}`).sort()).toEqual([...originals.map((i) => `${i}:Blue`), ...replacements.map((i) => `${i}:Green`)].sort());
    expect(done.blueGreen).toMatchObject({ autoScalingGroups: { original: source, replacement: copy }, originalInstances: 'TERMINATED' });
    expect(await healthy()).toEqual(replacements);
    const version = (id: string): string | undefined => {
      const file = hostLayerPath(join(base, 'hosts', id), '/srv', app, 'version.txt');
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    };
    expect(replacements.map(version)).toEqual(['v2', 'v2']);
    // The original group is gone, its instances with it; the group now names the copy.
    expect((await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [source] }))).AutoScalingGroups).toEqual([]);
    const states = await ec2.send(new DescribeInstancesCommand({ InstanceIds: originals }));
    expect(states.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name)).toEqual(['terminated', 'terminated']);
    expect((await getDeploymentGroup(harness.client, 'asg-app', name, harness.taskQueue)).config.autoScalingGroups).toEqual([copy]);
  });

  it('fails, naming them, when the copy\'s instances never start an agent within the wait; the rollback deletes the copy', async () => {
    const group = (await getDeploymentGroup(harness.client, 'asg-app', name, harness.taskQueue)).config;
    await updateDeploymentGroup(harness.client, { ...group, agentTimeouts: { scheduleToStartSeconds: 3 }, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } }, harness.taskQueue);
    const { deploymentId } = await createGroupDeployment(harness.client, { applicationName: 'asg-app', deploymentGroupName: name }, { revision: { revisionType: 'Local', local: { path: join(base, 'v2') } } }, harness.taskQueue);
    const failed = await ended(deploymentId);
    expect(failed.status).toBe('Failed');
    expect(failed.errorInformation?.code).toBe('NO_INSTANCES');
    expect(failed.errorInformation?.message).toMatch(new RegExp(`The replacement instances i-[0-9a-f]+, i-[0-9a-f]+ of CodeDeploy_${name}_${deploymentId} registered no agent in time`));
    // Traffic never moved: the hosts serving before still serve.
    expect(await healthy()).toEqual(group.autoScalingGroups ? await instancesOf(group.autoScalingGroups[0] as string) : []);
    // The rollback gives traffic back to the originals (they kept it) and deletes the copy it made.
    const rollback = await ended(failed.rollbackInfo?.rollbackDeploymentId as string);
    expect(rollback.status, rollback.errorInformation?.message).toBe('Succeeded');
    expect((await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`CodeDeploy_${name}_${deploymentId}`] }))).AutoScalingGroups).toEqual([]);
    expect(await healthy()).toEqual(group.autoScalingGroups ? await instancesOf(group.autoScalingGroups[0] as string) : []);
  });
});
