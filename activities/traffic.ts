import { ApplicationFailure } from '@temporalio/activity';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { FailureType } from '../workflows/contracts/errors.js';
import type { LoadBalancerTarget } from '../workflows/contracts/hosts.js';
import type { TrafficRequest, TrafficResult } from '../workflows/contracts/controller.js';

export interface TargetState {
  /** ELBv2 TargetHealth.State: initial, healthy, unhealthy, unused, draining, unavailable. */
  state: string;
  reason?: string;
  description?: string;
}

/** The seam between traffic control and a load balancer: ELBv2 here, a scripted fake in tests. */
export interface TrafficRouter {
  /** Target group ARNs by name; throws a non-retryable failure naming any group that does not exist. */
  targetGroupArns(names: readonly string[]): Promise<Map<string, string>>;
  register(targetGroupArn: string, target: LoadBalancerTarget): Promise<void>;
  /** Removes the target; a target that was not registered is already out. */
  deregister(targetGroupArn: string, target: LoadBalancerTarget): Promise<void>;
  health(targetGroupArn: string, target: LoadBalancerTarget): Promise<TargetState>;
}

/** Target group ARNs by name; a group that does not exist fails (non-retryable), naming the ones asked for. */
export async function targetGroupArnsByName(elb: () => ElasticLoadBalancingV2Client, names: readonly string[]): Promise<Map<string, string>> {
  try {
    const out = await elb().send(new DescribeTargetGroupsCommand({ Names: [...names] }));
    return new Map((out.TargetGroups ?? []).map((g) => [g.TargetGroupName ?? '', g.TargetGroupArn ?? '']));
  } catch (err) {
    if ((err as Error).name === 'TargetGroupNotFoundException' || (err as Error).name === 'TargetGroupNotFound') {
      throw ApplicationFailure.create({
        type: FailureType.TrafficControlFailed,
        message: `ELBv2 target group not found among ${names.join(', ')}: ${(err as Error).message}`,
        nonRetryable: true,
      });
    }
    throw err;
  }
}

export function elbv2Router(elb: () => ElasticLoadBalancingV2Client): TrafficRouter {
  const targets = (target: LoadBalancerTarget) => [{ Id: target.id, ...(target.port ? { Port: target.port } : {}) }];
  return {
    targetGroupArns: (names) => targetGroupArnsByName(elb, names),
    async register(arn, target) {
      await elb().send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets(target) }));
    },
    async deregister(arn, target) {
      try {
        await elb().send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: targets(target) }));
      } catch (err) {
        if ((err as Error).name !== 'InvalidTargetException' && (err as Error).name !== 'InvalidTarget') throw err;
      }
    },
    async health(arn, target) {
      const out = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: targets(target) }));
      const health = out.TargetHealthDescriptions?.[0]?.TargetHealth;
      return { state: health?.State ?? 'unavailable', reason: health?.Reason, description: health?.Description };
    },
  };
}

export interface Waiting {
  /** Called between polls; the activity heartbeats here, and a cancelled activity throws. */
  tick(): Promise<void>;
  now(): number;
}

/** A target is out of a group once the load balancer no longer lists it as registered. */
function isOut(health: TargetState): boolean {
  return health.state === 'unused' || (health.state === 'unavailable' && health.reason === 'Target.NotRegistered');
}

function describe(health: TargetState): string {
  return `${health.state}${health.reason ? ` (${health.reason}${health.description ? `: ${health.description}` : ''})` : ''}`;
}

function failed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.TrafficControlFailed, message, nonRetryable: true });
}

/**
 * BlockTraffic or AllowTraffic for one host (CodeDeploy in-place with traffic control): deregister it
 * from every target group and wait until it is out (connection draining included), or register it
 * and wait until every group reports it healthy. An `unhealthy` report fails at once (the target
 * group's own unhealthy threshold has been crossed); anything else is waited on until the timeout.
 */
export async function controlTraffic(router: TrafficRouter, request: TrafficRequest, waiting: Waiting): Promise<TrafficResult> {
  const started = waiting.now();
  const arns = await router.targetGroupArns(request.targetGroupNames);
  const missing = request.targetGroupNames.filter((name) => !arns.get(name));
  if (missing.length > 0) throw failed(`ELBv2 target group ${missing.join(', ')} does not exist`);
  const block = request.action === 'BlockTraffic';
  for (const arn of arns.values()) {
    if (block) await router.deregister(arn, request.target);
    else await router.register(arn, request.target);
  }
  const label = `${request.target.id}${request.target.port ? `:${request.target.port}` : ''}`;
  const waitingOn = new Map([...arns.entries()].map(([name, arn]) => [name, arn]));
  for (;;) {
    const last = new Map<string, TargetState>();
    for (const [name, arn] of [...waitingOn]) {
      const health = await router.health(arn, request.target);
      last.set(name, health);
      if (block ? isOut(health) : health.state === 'healthy') waitingOn.delete(name);
      else if (!block && health.state === 'unhealthy') {
        throw failed(`AllowTraffic: ${request.hostId} (${label}) is unhealthy in target group ${name}: ${describe(health)}`);
      }
    }
    if (waitingOn.size === 0) return { targetGroups: request.targetGroupNames, seconds: (waiting.now() - started) / 1000 };
    if (waiting.now() - started >= request.timeoutSeconds * 1000) {
      const states = [...waitingOn.keys()].map((name) => `${name}: ${describe(last.get(name) ?? { state: 'unknown' })}`).join('; ');
      throw failed(
        block
          ? `BlockTraffic: ${request.hostId} (${label}) was not deregistered within ${request.timeoutSeconds}s (${states})`
          : `AllowTraffic: ${request.hostId} (${label}) did not become healthy within ${request.timeoutSeconds}s (${states})`,
      );
    }
    await waiting.tick();
  }
}
