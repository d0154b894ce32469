/**
 * Blue/green's COPY_AUTO_SCALING_GROUP: a copy of the deployment group's Auto Scaling group, named as
 * CodeDeploy names it (CodeDeploy_<group>_<deployment ID>), with as many instances as the original
 * has healthy and in service. The copy is not attached to any load balancer: green gets traffic only
 * through AllowTraffic. Every call is safe to repeat: an existing copy is described, not made again.
 */
import { ApplicationFailure, Context, sleep } from '@temporalio/activity';
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { FailureType } from '../workflows/contracts/errors.js';
import type { CopiedFleet } from '../workflows/contracts/controller.js';

async function describe(asg: AutoScalingClient, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

const inService = (group: AutoScalingGroup): string[] =>
  (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').map((i) => i.InstanceId ?? '').filter(Boolean).sort();

export async function copyAutoScalingGroup(asg: AutoScalingClient, request: { sourceName: string; copyName: string; launchTimeoutMs?: number }): Promise<CopiedFleet> {
  const source = await describe(asg, request.sourceName);
  if (!source) {
    throw ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message: `Auto Scaling group ${request.sourceName} does not exist (the deployment group's autoScalingGroups)`, nonRetryable: true });
  }
  const originals = inService(source);
  let copy = await describe(asg, request.copyName);
  if (!copy) {
    const size = originals.length;
    if (size === 0) throw ApplicationFailure.create({ type: FailureType.NoInstances, message: `Auto Scaling group ${request.sourceName} has no healthy instances in service to copy`, nonRetryable: true });
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: request.copyName,
        // One of ID or name (Auto Scaling refuses both), with the source's version.
        ...(source.LaunchTemplate
          ? { LaunchTemplate: source.LaunchTemplate.LaunchTemplateId ? { LaunchTemplateId: source.LaunchTemplate.LaunchTemplateId, Version: source.LaunchTemplate.Version } : { LaunchTemplateName: source.LaunchTemplate.LaunchTemplateName, Version: source.LaunchTemplate.Version } }
          : {}),
        ...(source.LaunchConfigurationName ? { LaunchConfigurationName: source.LaunchConfigurationName } : {}),
        ...(source.MixedInstancesPolicy ? { MixedInstancesPolicy: source.MixedInstancesPolicy } : {}),
        MinSize: Math.min(source.MinSize ?? 0, size),
        MaxSize: Math.max(source.MaxSize ?? size, size),
        DesiredCapacity: size,
        ...(source.VPCZoneIdentifier ? { VPCZoneIdentifier: source.VPCZoneIdentifier } : { AvailabilityZones: source.AvailabilityZones }),
        ...(source.HealthCheckType ? { HealthCheckType: source.HealthCheckType } : {}),
        ...(source.HealthCheckGracePeriod !== undefined ? { HealthCheckGracePeriod: source.HealthCheckGracePeriod } : {}),
        Tags: (source.Tags ?? []).filter((t) => !t.Key?.startsWith('aws:')).map((t) => ({ Key: t.Key, Value: t.Value, PropagateAtLaunch: t.PropagateAtLaunch, ResourceId: request.copyName, ResourceType: 'auto-scaling-group' })),
      }),
    ).catch((err: unknown) => {
      // Made by an earlier attempt of this activity: describe it below.
      if ((err as Error).name !== 'AlreadyExistsFault' && (err as Error).name !== 'AlreadyExists') throw err;
    });
    copy = await describe(asg, request.copyName);
  }
  // Auto Scaling lists a new group's instances as it launches them: wait (bounded) for all of them.
  const deadline = Date.now() + (request.launchTimeoutMs ?? LAUNCH_TIMEOUT_MS);
  const launched = (group: AutoScalingGroup | undefined): string[] => (group?.Instances ?? []).map((i) => i.InstanceId ?? '').filter(Boolean).sort();
  while (launched(copy).length < (copy?.DesiredCapacity ?? 0)) {
    if (Date.now() >= deadline) {
      throw ApplicationFailure.create({ type: FailureType.NoInstances, message: `Auto Scaling group ${request.copyName} launched ${launched(copy).length} of ${copy?.DesiredCapacity} instances in time`, nonRetryable: true });
    }
    Context.current().heartbeat();
    await sleep(2_000);
    copy = await describe(asg, request.copyName);
  }
  return { copyName: request.copyName, originalInstanceIds: originals, replacementInstanceIds: launched(copy) };
}

/** How long the copy may take to list all its instances (the activity's own timeout is 5 minutes). */
const LAUNCH_TIMEOUT_MS = 4 * 60_000;

/** Deletes Auto Scaling groups with their instances; a group already gone counts as deleted. */
export async function deleteAutoScalingGroups(asg: AutoScalingClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (!(await describe(asg, name))) continue;
    await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }));
  }
}
