/**
 * Blue/green deployments (CodeDeploy's EC2 blue/green): the settings with CodeDeploy's names, limits
 * and defaults, how traffic moves, and what a deployment hands to its rollback. Pure: shared by the
 * workflows, the activities and the CLI.
 */
import type { TagFilter, TargetSelection } from './targets.js';
import { validateTargetSelection } from './targets.js';
import { isRecord, show } from './values.js';

export const GREEN_FLEET_ACTIONS = ['DISCOVER_EXISTING', 'COPY_AUTO_SCALING_GROUP'] as const;
export const READY_ACTIONS = ['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT'] as const;
export const BLUE_INSTANCE_ACTIONS = ['TERMINATE', 'KEEP_ALIVE'] as const;
export const TRAFFIC_ROUTING_TYPES = ['AllAtOnce', 'TimeBasedCanary', 'TimeBasedLinear'] as const;
export const DEPLOYMENT_WAIT_TYPES = ['READY_WAIT', 'TERMINATION_WAIT'] as const;
/** CodeDeploy's limit on both waits: 2,880 minutes (48 hours). */
export const MAX_WAIT_MINUTES = 2880;

export type DeploymentWaitType = (typeof DEPLOYMENT_WAIT_TYPES)[number];

/** CodeDeploy's TrafficRoutingConfig (Lambda/ECS there; Gantry also shifts ELBv2 target group pairs by weight). */
export interface TrafficRoutingConfig {
  type: (typeof TRAFFIC_ROUTING_TYPES)[number];
  timeBasedCanary?: { canaryPercentage: number; canaryInterval: number };
  timeBasedLinear?: { linearPercentage: number; linearInterval: number };
}

/** CodeDeploy's BlueGreenDeploymentConfiguration, plus Gantry's weighted shifting. */
export interface BlueGreenDeploymentConfiguration {
  greenFleetProvisioningOption?: { action: (typeof GREEN_FLEET_ACTIONS)[number] };
  deploymentReadyOption?: { actionOnTimeout: (typeof READY_ACTIONS)[number]; waitTimeInMinutes?: number };
  terminateBlueInstancesOnDeploymentSuccess?: { action: (typeof BLUE_INSTANCE_ACTIONS)[number]; terminationWaitTimeInMinutes?: number };
  /** Gantry: how traffic moves between a target group pair (targetGroupPairInfoList); default AllAtOnce (a switch). */
  trafficRoutingConfig?: TrafficRoutingConfig;
}

/** CodeDeploy's TargetInstances: the replacement (green) hosts of a DISCOVER_EXISTING deployment. */
export interface TargetInstances {
  tagFilters?: TagFilter[];
  ec2TagSet?: { ec2TagSetList: TagFilter[][] };
  /** Gantry: host IDs (EC2 instance IDs for hosts that are instances). */
  targetHosts?: string[];
}

/** How a blue/green deployment moves traffic, chosen by the group's loadBalancerInfo. */
export type TrafficMethod =
  /** CodeDeploy's: green hosts are registered in the target groups, blue hosts deregistered from them. */
  | 'REGISTER_TARGETS'
  /** A listener (or rule) switched from the blue target group of a pair to the green one. */
  | 'LISTENER_SWITCH'
  /** The same pair, shifted by weight step by step (canary or linear), with a bake and alarm check at each step. */
  | 'WEIGHTED_SHIFT';

export interface TargetGroupPairInfo {
  targetGroups: { name: string }[];
  prodTrafficRoute: { listenerArns: string[] };
}

/** A blue/green configuration with every default filled in, waits in seconds. */
export interface ResolvedBlueGreen {
  greenFleet: (typeof GREEN_FLEET_ACTIONS)[number];
  ready: { action: (typeof READY_ACTIONS)[number]; waitSeconds: number };
  blueInstances: { action: (typeof BLUE_INSTANCE_ACTIONS)[number]; waitSeconds: number };
  routing: TrafficRoutingConfig;
}

/** Defaults: DISCOVER_EXISTING, reroute at once, keep the originals (Gantry never terminates hosts unless told). */
export function resolveBlueGreen(config: BlueGreenDeploymentConfiguration | undefined): ResolvedBlueGreen {
  const ready = config?.deploymentReadyOption;
  const blue = config?.terminateBlueInstancesOnDeploymentSuccess;
  return {
    greenFleet: config?.greenFleetProvisioningOption?.action ?? 'DISCOVER_EXISTING',
    ready: { action: ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT', waitSeconds: Math.round((ready?.waitTimeInMinutes ?? 0) * 60) },
    blueInstances: { action: blue?.action ?? 'KEEP_ALIVE', waitSeconds: Math.round((blue?.terminationWaitTimeInMinutes ?? 0) * 60) },
    routing: config?.trafficRoutingConfig ?? { type: 'AllAtOnce' },
  };
}

/** One step of a shift: the green group's percentage of traffic, held this long before the next. */
export interface ShiftStep {
  greenPercent: number;
  holdSeconds: number;
}

/** The steps of a traffic shift; the last always puts all traffic on green and holds nothing. */
export function shiftSteps(routing: TrafficRoutingConfig): ShiftStep[] {
  if (routing.type === 'TimeBasedCanary' && routing.timeBasedCanary) {
    const { canaryPercentage, canaryInterval } = routing.timeBasedCanary;
    return [{ greenPercent: canaryPercentage, holdSeconds: Math.round(canaryInterval * 60) }, { greenPercent: 100, holdSeconds: 0 }];
  }
  if (routing.type === 'TimeBasedLinear' && routing.timeBasedLinear) {
    const { linearPercentage, linearInterval } = routing.timeBasedLinear;
    const steps: ShiftStep[] = [];
    for (let percent = linearPercentage; percent < 100; percent += linearPercentage) steps.push({ greenPercent: percent, holdSeconds: Math.round(linearInterval * 60) });
    return [...steps, { greenPercent: 100, holdSeconds: 0 }];
  }
  return [{ greenPercent: 100, holdSeconds: 0 }];
}

/** A target group's share of a listener's forward action. */
export interface ListenerWeight {
  targetGroupName: string;
  weight: number;
}

/** What a blue/green deployment did to the load balancer: enough to put it back. */
export interface BlueGreenView {
  trafficMethod: TrafficMethod;
  /** The target groups traffic comes from (blue's) and goes to (green's); the same groups for REGISTER_TARGETS. */
  originalTargetGroups: string[];
  replacementTargetGroups: string[];
  /** For a target group pair: the listener, what it forwarded to when the deployment began, and what Gantry set last. */
  listener?: { listenerArn: string; before: ListenerWeight[]; current: ListenerWeight[] };
  /** Green gets traffic: the reroute began (a rollback must move it back). */
  trafficRerouted: boolean;
  /** CodeDeploy's instanceTerminationWaitTimeStarted. */
  instanceTerminationWaitTimeStarted: boolean;
  /** What happened to the original hosts once the deployment succeeded. */
  originalInstances?: 'TERMINATED' | 'KEPT_ALIVE';
  /** TERMINATE: original hosts that are not EC2 instances (no instance ID), so were left running. */
  notTerminated?: string[];
  /** COPY_AUTO_SCALING_GROUP: the group copied, and its copy (a rollback names only the copy it deletes). */
  autoScalingGroups?: { original: string; replacement: string };
  /** The original (blue) and replacement (green) hosts. */
  originalHosts: string[];
  replacementHosts: string[];
  /** The hosts that serve traffic once the deployment succeeds (green that installed; blue for a rollback). */
  servingHosts: string[];
}

/**
 * Set on a blue/green rollback's input by its group: the deployment it undoes, whose original hosts
 * get traffic back and whose replacement hosts lose it, and how the load balancer was before.
 */
export interface BlueGreenRollback {
  triggeringDeploymentId: string;
  trafficMethod: TrafficMethod;
  originalHosts: string[];
  replacementHosts: string[];
  originalTargetGroups: string[];
  replacementTargetGroups: string[];
  listener?: { listenerArn: string; before: ListenerWeight[] };
  /** The Auto Scaling group COPY_AUTO_SCALING_GROUP made: deleted once its hosts are out. */
  copiedAutoScalingGroup?: string;
}

/** The rollback of a blue/green deployment, from what it reported; undefined when there is nothing to put back. */
export function rollbackOf(deploymentId: string, view: BlueGreenView | undefined): BlueGreenRollback | undefined {
  if (!view || view.originalInstances === 'TERMINATED') return undefined;
  // A pair whose listener was never read: nothing moved, so the hosts run their hooks and no group changes.
  const unread = view.trafficMethod !== 'REGISTER_TARGETS' && !view.listener;
  return {
    triggeringDeploymentId: deploymentId,
    trafficMethod: unread ? 'REGISTER_TARGETS' : view.trafficMethod,
    originalHosts: view.originalHosts,
    replacementHosts: view.replacementHosts,
    originalTargetGroups: unread ? [] : view.originalTargetGroups,
    replacementTargetGroups: unread ? [] : view.replacementTargetGroups,
    ...(view.listener ? { listener: { listenerArn: view.listener.listenerArn, before: view.listener.before } } : {}),
    ...(view.autoScalingGroups?.original ? { copiedAutoScalingGroup: view.autoScalingGroups.replacement } : {}),
  };
}

/** The replacement fleet's selection, in the form the host registry takes. */
export function greenSelection(targets: TargetInstances): TargetSelection {
  return {
    ...(targets.targetHosts ? { targetHosts: targets.targetHosts } : {}),
    ...(targets.tagFilters ? { tagFilters: targets.tagFilters } : {}),
    ...(targets.ec2TagSet ? { tagSet: targets.ec2TagSet.ec2TagSetList } : {}),
  };
}

/**
 * Minutes as CodeDeploy counts them, 0 (or `least`) to 2,880. Gantry also takes fractions down to whole
 * seconds (0.5 is 30 s), for short bakes and fast tests; CodeDeploy itself takes whole minutes only.
 */
function minutes(field: string, value: unknown, problems: string[], least = 0): void {
  if (value === undefined) return;
  const wholeSeconds = typeof value === 'number' && Number.isFinite(value) && Math.abs(value * 60 - Math.round(value * 60)) < 1e-9;
  if (typeof value !== 'number' || !wholeSeconds || value < least || value > MAX_WAIT_MINUTES) {
    problems.push(`${field} must be a number of minutes from ${least === 0 ? 0 : '1/60 (one second)'} to ${MAX_WAIT_MINUTES}, in whole seconds; got ${show(value)}`);
  }
}

function oneOf(field: string, value: unknown, allowed: readonly string[], problems: string[]): void {
  if (!allowed.includes(value as string)) problems.push(`${field} must be ${allowed.join(' or ')}; got ${show(value)}`);
}

/** Checks CodeDeploy's TrafficRoutingConfig; one message per problem. */
export function validateTrafficRouting(value: unknown, field = 'trafficRoutingConfig'): string[] {
  if (!isRecord(value)) return [`${field} must be {"type": ${TRAFFIC_ROUTING_TYPES.join('|')}, …}; got ${show(value)}`];
  const problems: string[] = [];
  oneOf(`${field}.type`, value.type, TRAFFIC_ROUTING_TYPES, problems);
  const step = (name: 'timeBasedCanary' | 'timeBasedLinear', percentKey: string, intervalKey: string): void => {
    const part = value[name];
    if (value.type !== (name === 'timeBasedCanary' ? 'TimeBasedCanary' : 'TimeBasedLinear')) {
      if (part !== undefined) problems.push(`${field}.${name} is only for type ${name === 'timeBasedCanary' ? 'TimeBasedCanary' : 'TimeBasedLinear'}`);
      return;
    }
    if (!isRecord(part)) return void problems.push(`${field}.${name} must be {"${percentKey}": 1-99, "${intervalKey}": minutes}; got ${show(part)}`);
    const percent = part[percentKey];
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 99) problems.push(`${field}.${name}.${percentKey} must be a whole percentage from 1 to 99; got ${show(percent)}`);
    if (part[intervalKey] === undefined) problems.push(`${field}.${name}.${intervalKey} is required (minutes)`);
    minutes(`${field}.${name}.${intervalKey}`, part[intervalKey], problems, 1 / 60);
  };
  step('timeBasedCanary', 'canaryPercentage', 'canaryInterval');
  step('timeBasedLinear', 'linearPercentage', 'linearInterval');
  const linear = value.timeBasedLinear;
  if (problems.length === 0 && value.type === 'TimeBasedLinear' && isRecord(linear)) {
    // CodeDeploy: at most 2,880 minutes between the first traffic shift and the last.
    const holds = Math.ceil(100 / (linear.linearPercentage as number)) - 1;
    const total = holds * (linear.linearInterval as number);
    if (total > MAX_WAIT_MINUTES) problems.push(`${field}.timeBasedLinear shifts over ${holds} intervals of ${String(linear.linearInterval)} minutes (${total}); the first and last shift must be at most ${MAX_WAIT_MINUTES} minutes apart`);
  }
  return problems;
}

/** Checks a blueGreenDeploymentConfiguration; `pairs` says whether the load balancer names a target group pair. */
export function validateBlueGreenConfiguration(value: unknown, pairs: boolean): string[] {
  const field = 'blueGreenDeploymentConfiguration';
  if (!isRecord(value)) return [`${field} must be an object; got ${show(value)}`];
  const problems: string[] = [];
  const known = ['greenFleetProvisioningOption', 'deploymentReadyOption', 'terminateBlueInstancesOnDeploymentSuccess', 'trafficRoutingConfig'];
  for (const key of Object.keys(value)) if (!known.includes(key)) problems.push(`${field}.${key} is not a known setting (${known.join(', ')})`);
  const { greenFleetProvisioningOption: green, deploymentReadyOption: ready, terminateBlueInstancesOnDeploymentSuccess: blue, trafficRoutingConfig: routing } = value;
  if (green !== undefined) {
    if (!isRecord(green)) problems.push(`${field}.greenFleetProvisioningOption must be {"action": ${GREEN_FLEET_ACTIONS.join('|')}}`);
    else oneOf(`${field}.greenFleetProvisioningOption.action`, green.action, GREEN_FLEET_ACTIONS, problems);
  }
  if (ready !== undefined) {
    if (!isRecord(ready)) problems.push(`${field}.deploymentReadyOption must be {"actionOnTimeout": ${READY_ACTIONS.join('|')}, "waitTimeInMinutes": n}`);
    else {
      oneOf(`${field}.deploymentReadyOption.actionOnTimeout`, ready.actionOnTimeout, READY_ACTIONS, problems);
      minutes(`${field}.deploymentReadyOption.waitTimeInMinutes`, ready.waitTimeInMinutes, problems);
      if (ready.actionOnTimeout === 'CONTINUE_DEPLOYMENT' && typeof ready.waitTimeInMinutes === 'number' && ready.waitTimeInMinutes > 0) {
        problems.push(`${field}.deploymentReadyOption.waitTimeInMinutes applies only to STOP_DEPLOYMENT (CONTINUE_DEPLOYMENT reroutes at once); leave it out or use 0`);
      }
    }
  }
  if (blue !== undefined) {
    if (!isRecord(blue)) problems.push(`${field}.terminateBlueInstancesOnDeploymentSuccess must be {"action": ${BLUE_INSTANCE_ACTIONS.join('|')}, "terminationWaitTimeInMinutes": n}`);
    else {
      oneOf(`${field}.terminateBlueInstancesOnDeploymentSuccess.action`, blue.action, BLUE_INSTANCE_ACTIONS, problems);
      minutes(`${field}.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes`, blue.terminationWaitTimeInMinutes, problems);
    }
  }
  if (routing !== undefined) {
    problems.push(...validateTrafficRouting(routing, `${field}.trafficRoutingConfig`));
    if (!pairs) problems.push(`${field}.trafficRoutingConfig shifts traffic between a target group pair: it needs loadBalancerInfo.targetGroupPairInfoList`);
  }
  return problems;
}

/** Checks a deployment's targetInstances (the replacement hosts). */
export function validateTargetInstances(value: unknown): string[] {
  if (!isRecord(value)) return [`targetInstances must be {"tagFilters": […]} or {"ec2TagSet": {"ec2TagSetList": [[…]]}} or {"targetHosts": […]}; got ${show(value)}`];
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (key === 'autoScalingGroups') problems.push('targetInstances.autoScalingGroups is not available in this version of Gantry; select the replacement hosts by tags or host IDs');
    else if (!['tagFilters', 'ec2TagSet', 'targetHosts'].includes(key)) problems.push(`targetInstances.${key} is not a known setting (tagFilters, ec2TagSet, targetHosts)`);
  }
  const set = value.ec2TagSet;
  if (set !== undefined && (!isRecord(set) || !Array.isArray(set.ec2TagSetList))) problems.push(`targetInstances.ec2TagSet must be {"ec2TagSetList": [[tag filters], …]}; got ${show(set)}`);
  if (value.tagFilters !== undefined && set !== undefined) problems.push('targetInstances: give tagFilters or ec2TagSet, not both (CodeDeploy treats them as mutually exclusive)');
  const selection = { targetHosts: value.targetHosts, tagFilters: value.tagFilters, tagSet: isRecord(set) ? set.ec2TagSetList : undefined };
  problems.push(...validateTargetSelection(selection).map((p) => `targetInstances: ${p.replace('tagSet', 'ec2TagSet.ec2TagSetList')}`));
  return problems;
}

/** Checks loadBalancerInfo.targetGroupPairInfoList: one pair of two distinct target groups and one listener. */
export function validateTargetGroupPairs(value: unknown): string[] {
  const field = 'loadBalancerInfo.targetGroupPairInfoList';
  if (!Array.isArray(value) || value.length !== 1) return [`${field} must list exactly one target group pair; got ${show(value)}`];
  const pair = value[0];
  if (!isRecord(pair)) return [`${field}[0] must be {"targetGroups": [{"name": …}, {"name": …}], "prodTrafficRoute": {"listenerArns": [arn]}}`];
  const problems: string[] = [];
  const groups = pair.targetGroups;
  if (!Array.isArray(groups) || groups.length !== 2) problems.push(`${field}[0].targetGroups must name exactly two target groups; got ${show(groups)}`);
  else {
    groups.forEach((g, i) => {
      if (!isRecord(g) || typeof g.name !== 'string' || !/^[A-Za-z0-9-]{1,32}$/.test(g.name)) problems.push(`${field}[0].targetGroups[${i}].name must be a target group name (1-32 letters, digits, -); got ${show(isRecord(g) ? g.name : g)}`);
    });
    if (isRecord(groups[0]) && isRecord(groups[1]) && groups[0].name === groups[1].name) problems.push(`${field}[0].targetGroups names ${show(groups[0].name)} twice; a pair is two different target groups`);
  }
  const route = pair.prodTrafficRoute;
  const arns = isRecord(route) ? route.listenerArns : undefined;
  if (!Array.isArray(arns) || arns.length !== 1 || typeof arns[0] !== 'string' || !/^arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:(listener|listener-rule)\//.test(arns[0])) {
    problems.push(`${field}[0].prodTrafficRoute.listenerArns must hold one ELBv2 listener or listener rule ARN; got ${show(arns)}`);
  }
  if (pair.testTrafficRoute !== undefined) problems.push(`${field}[0].testTrafficRoute is not available in this version of Gantry`);
  return problems;
}
