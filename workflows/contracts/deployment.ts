import type { DeploymentConfig } from './deployment-config.js';
import type { AutoRollbackConfiguration, RollbackInfo } from './deployment-group.js';
import { findPredefinedConfig, platformMismatch, validateCustomConfig } from './deployment-config.js';
import type { ErrorInformation } from './errors.js';
import type { Diagnostics, LifecycleEventName, LifecycleEventView } from './lifecycle.js';
import { DEPLOYMENT_ID_PATTERN, HOST_ID_PATTERN, NAME_PATTERN } from './naming.js';
import type { RevisionLocation } from './revision.js';
import { validateRevision } from './revision.js';
import type { TargetSelection } from './targets.js';
import type { TriggerConfig } from './triggers.js';
import { validateTriggers } from './triggers.js';
import { validateTargetSelection } from './targets.js';
import { isRecord, show } from './values.js';
import type { ComputePlatform, LambdaView } from './lambda.js';
import { COMPUTE_PLATFORMS, MAX_HOOK_TIMEOUT_SECONDS } from './lambda.js';
import type { BlueGreenDeploymentConfiguration, BlueGreenRollback, BlueGreenView, TargetGroupPairInfo, TargetInstances } from './blue-green.js';
import { resolveBlueGreen, validateBlueGreenConfiguration, validateTargetGroupPairs, validateTargetInstances } from './blue-green.js';

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

/**
 * Input of the `deployment` workflow. The same JSON is accepted from `gantry create-deployment`,
 * `temporal workflow start --type deployment --input '…'` and Temporal Schedules.
 */
export interface DeploymentInput extends TargetSelection {
  applicationName: string;
  deploymentGroupName: string;
  /** Names the group had before its application was renamed, newest first: hosts adopt what they left there. */
  formerDeploymentGroups?: FormerDeploymentGroup[];
  /**
   * Server (the default): hosts install an archive. Lambda: an AppSpec moves a function's alias from
   * one version to another (no hosts, no load balancer).
   */
  computePlatform?: ComputePlatform;
  revision: RevisionLocation;
  /** Lambda: how long a validation function has to report its status (default and at most 3600 s). */
  lambdaHookTimeoutSeconds?: number;
  /**
   * A predefined configuration (with or without the `CodeDeployDefault.` prefix) or a custom one made
   * with `gantry create-deployment-config`. Default: OneAtATime.
   */
  deploymentConfigName?: string;
  /** A custom configuration given inline instead of by name. */
  deploymentConfig?: DeploymentConfig;
  /** Deploy only to targets not already running this revision (CodeDeploy's updateOutdatedInstancesOnly). */
  updateOutdatedInstancesOnly?: boolean;
  /** In-place with traffic control: hosts leave these ELBv2 target groups while they are deployed. */
  loadBalancerInfo?: LoadBalancerInfo;
  /**
   * CodeDeploy's deploymentStyle (set on the group). WITHOUT_TRAFFIC_CONTROL leaves loadBalancerInfo
   * unused; when absent, traffic is controlled exactly when loadBalancerInfo is given.
   */
  deploymentStyle?: DeploymentStyle;
  /** BLUE_GREEN: replacement hosts, ready wait, what happens to the originals, and how traffic shifts. */
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  /**
   * CodeDeploy's autoScalingGroups: the group's Auto Scaling group, whose instances (agents registered
   * under their instance IDs) are its hosts. Blue/green with COPY_AUTO_SCALING_GROUP copies it.
   */
  autoScalingGroups?: string[];
  /** BLUE_GREEN with DISCOVER_EXISTING: the replacement (green) hosts. */
  targetInstances?: TargetInstances;
  /** Set by the group on the rollback of a blue/green deployment: what to put back. */
  blueGreenRollback?: BlueGreenRollback;
  description?: string;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  /** Stable ID of the deployment group (DEPLOYMENT_GROUP_ID for scripts); derived from the names if absent. */
  deploymentGroupId?: string;
  /** Who created the deployment (CodeDeploy's DeploymentCreator). Default: user. */
  creator?: 'user' | 'codeDeployRollback' | 'autoscaling' | 'CodeDeployAutoUpdate';
  /** Limits on each host's lifecycle events. */
  agentTimeouts?: AgentTimeouts;
  /** CloudWatch alarms polled during the deployment; one in ALARM stops it (ALARM_ACTIVE). */
  alarmConfiguration?: AlarmConfiguration;
  /** Webhooks for CodeDeploy's trigger events (a group passes its own). */
  triggerConfigurations?: TriggerConfig[];
  /** Set by the `deploymentGroup` entity for the deployments it starts. */
  group?: GroupMembership;
  /** Set on a rollback: the deployment it rolls back. */
  rollbackInfo?: RollbackInfo;
}

export const DEPLOYMENT_TYPES = ['IN_PLACE', 'BLUE_GREEN'] as const;
export const DEPLOYMENT_OPTIONS = ['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL'] as const;

export interface DeploymentStyle {
  deploymentType: (typeof DEPLOYMENT_TYPES)[number];
  deploymentOption: (typeof DEPLOYMENT_OPTIONS)[number];
}

/** Whether hosts leave and rejoin the load balancer around their install events. */
export function usesTrafficControl(input: Pick<DeploymentInput, 'deploymentStyle' | 'loadBalancerInfo'>): boolean {
  return input.deploymentStyle ? input.deploymentStyle.deploymentOption === 'WITH_TRAFFIC_CONTROL' : input.loadBalancerInfo !== undefined;
}

/** CodeDeploy's AlarmConfiguration, plus how often Gantry polls (default 10 s). */
export interface AlarmConfiguration {
  enabled: boolean;
  alarms: { name: string }[];
  /** true: a failed poll is ignored; false (default): it stops the deployment. */
  ignorePollAlarmFailure?: boolean;
  pollIntervalSeconds?: number;
}

/** How a deployment started by its group relates to it. */
export interface GroupMembership {
  /** The group's workflow ID: told when the deployment ends, asked for rollbacks. */
  workflowId: string;
  /** Another deployment of the group is in progress: wait (status Queued) for the group's `proceed`. */
  queued: boolean;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
}

export interface AgentTimeouts {
  /** How long an event may wait for its agent to pick it up before the host fails (default 300). */
  scheduleToStartSeconds?: number;
  /** How long an agent may go silent during an event before the host fails (default 20). */
  heartbeatSeconds?: number;
  /** Upper bound on one lifecycle event; the AppSpec's script timeouts apply inside it (default 28800). */
  eventSeconds?: number;
}

export interface LoadBalancerInfo {
  /** Target groups hosts are registered in and deregistered from (in place; blue/green's REGISTER_TARGETS). */
  targetGroupInfoList?: { name: string }[];
  /** Blue/green only: a pair of target groups and the listener that forwards to one of them (LISTENER_SWITCH, WEIGHTED_SHIFT). */
  targetGroupPairInfoList?: TargetGroupPairInfo[];
  /** How long BlockTraffic waits for deregistration and AllowTraffic for a healthy target (default 300). */
  trafficTimeoutSeconds?: number;
}

/** What every agent needs to know about the deployment it is working on. */
/** A group's earlier application and group name (update-application renamed its application). */
export interface FormerDeploymentGroup {
  applicationName: string;
  deploymentGroupName: string;
}

/** Former names a deployment may carry: a group renamed more often keeps the most recent. */
export const MAX_FORMER_GROUPS = 10;

export interface DeploymentContext {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  /** The group's former names: each host adopts the state the newest one with any left (agent/group-adoption.ts). */
  formerDeploymentGroups?: FormerDeploymentGroup[];
  revision: RevisionLocation;
  creator: NonNullable<DeploymentInput['creator']>;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  /** Blue/green deployments say so: a blue/green rollback's hooks use other revisions (scriptRevisionFor). */
  deploymentType?: DeploymentStyle['deploymentType'];
}

/** The kinds of step a deployment's status names as its current one. */
export type StepKind = 'deployHosts' | 'bake' | 'succeeded' | 'failed' | 'selectTargets' | 'copyFleet' | 'readTraffic' | 'moveTraffic' | 'waitForContinue' | 'retireHosts' | 'readLambdaRevision' | 'routeAlias' | 'invokeHook';

export const DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Ready', 'Succeeded', 'Failed', 'Stopped'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown' | 'Ready';

export interface DeploymentOverview {
  Pending: number;
  InProgress: number;
  Succeeded: number;
  Failed: number;
  Skipped: number;
  Ready: number;
}

/**
 * A target as the `deployment` workflow tracks it. The lifecycle events live in the host's own
 * `hostDeployment` child (so a 10,000-host deployment stays small); the failing event is kept here.
 */
export interface TargetSummary {
  targetId: string;
  status: TargetStatus;
  lastUpdatedAt?: string;
  zone?: string | null;
  /** For a failed target: the event that failed and why (log tail omitted; see the host's child). */
  failedEvent?: { lifecycleEventName: LifecycleEventName; diagnostics: Diagnostics };
  /** Blue/green: the original (Blue) or replacement (Green) fleet (CodeDeploy's instanceLabel). */
  instanceLabel?: 'Blue' | 'Green';
  /** Blue/green: the host's later hostDeployment children after its first (their ID suffixes), in order. */
  phases?: string[];
  /** CodeDeploy's deploymentTargetType: absent for hosts (InstanceTarget); LambdaTarget for a Lambda deployment's `<function>:<alias>`. */
  deploymentTargetType?: 'LambdaTarget';
}

/** A target with its lifecycle events (read from its hostDeployment child). */
export interface TargetView extends TargetSummary {
  lifecycleEvents: LifecycleEventView[];
}

/** The `status` query of the `deployment` workflow, and its result. */
export interface DeploymentSummary {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
  revision: RevisionLocation;
  creator: DeploymentContext['creator'];
  description?: string;
  status: DeploymentStatus;
  createTime: string;
  completeTime?: string;
  deploymentOverview: DeploymentOverview;
  errorInformation?: ErrorInformation;
  /** Targets left alone by updateOutdatedInstancesOnly are listed as Skipped. */
  updateOutdatedInstancesOnly: boolean;
  rollbackInfo?: RollbackInfo;
  /** Set when a `stop` signal arrived (status becomes Stopped once hosts in flight have stopped). */
  stopRequested?: StopRequest;
  /** The step the deployment's strategy is at, and since when (deployHosts, bake, succeeded, failed). */
  currentStep?: { kind: StepKind; detail?: string; since: string };
  /** Blue/green: the traffic method, the fleets and the load balancer as Gantry set it. */
  blueGreen?: BlueGreenView;
  /** Lambda: the function, alias and versions, the target version's weight, each shift step and the hooks. */
  lambda?: LambdaView;
  computePlatform?: ComputePlatform;
  /** Zonal configurations: the zone being deployed, or baking after (null: hosts without a zone). */
  currentZone?: string | null;
  targets: TargetSummary[];
}

/** What `gantry get-deployment` prints: the summary with each target's lifecycle events. */
export interface DeploymentView extends Omit<DeploymentSummary, 'targets'> {
  targets: TargetView[];
}

/** Signal `stop` on a deployment. */
export interface StopRequest {
  /** Roll the updated hosts back to the last successful revision afterwards (CodeDeploy's "stop and roll back"). */
  autoRollback?: boolean;
  /** Set by the deployment itself when an alarm (or a failed alarm poll) stopped it: why. */
  alarm?: string;
}

/** The `status` query of a `hostDeployment` child, and its result. */
export interface HostDeploymentView extends TargetView {
  deploymentId: string;
}

export function isTerminal(status: DeploymentStatus): boolean {
  return status === 'Succeeded' || status === 'Failed' || status === 'Stopped';
}

export interface ValidationOptions {
  /**
   * Issue 12's bounds: the input's size, a derived-only deploymentGroupId, agentTimeouts' upper
   * bounds (default true). The deployment workflow turns them off when it replays a run that began
   * before them (patched('hardened-deployment-input')), so such a run is judged as it was.
   */
  hardened?: boolean;
  /** A deployment group's configuration: per-deployment fields (targetInstances) are not required yet. */
  groupConfig?: boolean;
}

/** Input larger than this is refused whole: well under Temporal's 2 MB payload limit, with room for the summary. */
export const MAX_DEPLOYMENT_INPUT_CHARACTERS = 1024 * 1024;

/**
 * Upper bounds of agentTimeouts, in seconds: a day to wait for an agent, an hour of heartbeat silence,
 * a week for one lifecycle event (CodeDeploy allows an hour; AppSpec script timeouts apply within it).
 */
export const AGENT_TIMEOUT_LIMITS: Required<AgentTimeouts> = { scheduleToStartSeconds: 86_400, heartbeatSeconds: 3_600, eventSeconds: 604_800 };

const FILE_EXISTS_BEHAVIORS: readonly string[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];
const CREATORS: readonly string[] = ['user', 'codeDeployRollback', 'autoscaling', 'CodeDeployAutoUpdate'];


/**
 * Checks a deployment input as it arrives from any client. Returns one message per problem, each
 * naming the field and the bad value; an empty list means the input is valid.
 */
export function validateDeploymentInput(input: unknown, options: ValidationOptions = {}): string[] {
  const hardened = options.hardened ?? true;
  if (!isRecord(input)) return [`deployment input must be a JSON object, got ${show(input)}`];
  const size = hardened ? JSON.stringify(input).length : 0;
  if (size > MAX_DEPLOYMENT_INPUT_CHARACTERS) {
    return [`the deployment input is ${size} characters of JSON; at most ${MAX_DEPLOYMENT_INPUT_CHARACTERS} are accepted (select many hosts with tagFilters or tagSet rather than listing them)`];
  }
  const problems: string[] = [];
  for (const field of ['applicationName', 'deploymentGroupName'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
      problems.push(`${field} must be 1-100 characters of letters, digits and . _ + = , @ -; got ${show(value)}`);
    }
  }
  const formers = input.formerDeploymentGroups;
  if (formers !== undefined) {
    const named = (f: unknown): boolean => isRecord(f) && typeof f.applicationName === 'string' && NAME_PATTERN.test(f.applicationName) && typeof f.deploymentGroupName === 'string' && NAME_PATTERN.test(f.deploymentGroupName);
    if (!Array.isArray(formers) || formers.length > MAX_FORMER_GROUPS || !formers.every(named)) {
      problems.push(`formerDeploymentGroups must be at most ${MAX_FORMER_GROUPS} {"applicationName", "deploymentGroupName"} pairs of valid names; got ${show(formers)}`);
    }
  }
  const platform = input.computePlatform ?? 'Server';
  if (!(COMPUTE_PLATFORMS as readonly unknown[]).includes(platform)) {
    return [...problems, `computePlatform must be Server or Lambda (Gantry does not deploy to ECS); got ${show(platform)}`];
  }
  if (platform === 'Lambda') return [...problems, ...validateLambdaInput(input, options)];
  if (input.lambdaHookTimeoutSeconds !== undefined) problems.push('lambdaHookTimeoutSeconds applies only to Lambda deployments (computePlatform Lambda)');
  problems.push(...validateRevision(input.revision));
  // A blue/green group copying its Auto Scaling group takes its hosts from it and needs no other selection.
  const copies = isRecord(input.blueGreenDeploymentConfiguration) && isRecord(input.blueGreenDeploymentConfiguration.greenFleetProvisioningOption) && input.blueGreenDeploymentConfiguration.greenFleetProvisioningOption.action === 'COPY_AUTO_SCALING_GROUP';
  const byAutoScaling = copies && Array.isArray(input.autoScalingGroups) && input.targetHosts === undefined && input.tagFilters === undefined && input.tagSet === undefined;
  if (!byAutoScaling) problems.push(...validateTargetSelection(input));
  if (input.autoScalingGroups !== undefined) {
    const groups = input.autoScalingGroups;
    if (!copies) problems.push('autoScalingGroups is used by blue/green COPY_AUTO_SCALING_GROUP only in this version of Gantry; select the hosts of other groups with tags or targetHosts');
    if (!Array.isArray(groups) || groups.length === 0 || groups.length > 10 || groups.some((g) => typeof g !== 'string' || !/^[\x20-\x7e]{1,255}$/.test(g))) {
      problems.push(`autoScalingGroups must list 1-10 Auto Scaling group names; got ${show(groups)}`);
    }
  }
  if (input.deploymentConfigName !== undefined && typeof input.deploymentConfigName !== 'string') {
    problems.push(`deploymentConfigName must be a string; got ${show(input.deploymentConfigName)}`);
  }
  problems.push(...configProblems(input, 'Server'));
  if (input.updateOutdatedInstancesOnly !== undefined && typeof input.updateOutdatedInstancesOnly !== 'boolean') {
    problems.push(`updateOutdatedInstancesOnly must be true or false; got ${show(input.updateOutdatedInstancesOnly)}`);
  }
  if (input.loadBalancerInfo !== undefined) problems.push(...validateLoadBalancerInfo(input.loadBalancerInfo));
  if (input.deploymentStyle !== undefined) problems.push(...validateDeploymentStyle(input.deploymentStyle, input.loadBalancerInfo !== undefined));
  problems.push(...validateBlueGreenInput(input, options.groupConfig ?? false));
  problems.push(...sharedProblems(input));
  if (input.fileExistsBehavior !== undefined && !FILE_EXISTS_BEHAVIORS.includes(String(input.fileExistsBehavior))) {
    problems.push(`fileExistsBehavior must be one of DISALLOW, OVERWRITE, RETAIN; got ${show(input.fileExistsBehavior)}`);
  }
  if (input.ignoreApplicationStopFailures !== undefined && typeof input.ignoreApplicationStopFailures !== 'boolean') {
    problems.push(`ignoreApplicationStopFailures must be true or false; got ${show(input.ignoreApplicationStopFailures)}`);
  }
  problems.push(...deploymentGroupIdProblems(input, hardened));
  if (input.agentTimeouts !== undefined) {
    if (!isRecord(input.agentTimeouts)) {
      problems.push('agentTimeouts must be an object');
    } else {
      for (const [key, value] of Object.entries(input.agentTimeouts)) {
        const limit = AGENT_TIMEOUT_LIMITS[key as keyof AgentTimeouts];
        if (limit === undefined) {
          problems.push(`agentTimeouts.${key} is not a known setting (${Object.keys(AGENT_TIMEOUT_LIMITS).join(', ')})`);
        } else if (!hardened && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
          problems.push(`agentTimeouts.${key} must be a positive number of seconds; got ${show(value)}`);
        } else if (hardened && (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > limit)) {
          problems.push(`agentTimeouts.${key} must be a number of seconds from 1 to ${limit}; got ${show(value)}`);
        }
      }
    }
  }
  return problems;
}

/** Settings of Server deployments (hosts, load balancers, files) that a Lambda deployment cannot have. */
const SERVER_ONLY_FIELDS = [
  'targetHosts',
  'tagFilters',
  'tagSet',
  'loadBalancerInfo',
  'blueGreenDeploymentConfiguration',
  'targetInstances',
  'autoScalingGroups',
  'blueGreenRollback',
  'fileExistsBehavior',
  'ignoreApplicationStopFailures',
  'updateOutdatedInstancesOnly',
  'agentTimeouts',
] as const;

/** A Lambda deployment: its revision, configuration and hook timeout, and none of the Server settings. */
function validateLambdaInput(input: Record<string, unknown>, options: ValidationOptions): string[] {
  const problems = validateRevision(input.revision, 'Lambda');
  for (const field of SERVER_ONLY_FIELDS) {
    if (input[field] !== undefined) problems.push(`${field} is a Server setting; a Lambda deployment has no hosts (it moves a function's alias)`);
  }
  const style = input.deploymentStyle;
  if (style !== undefined && !(isRecord(style) && style.deploymentType === 'BLUE_GREEN' && style.deploymentOption === 'WITH_TRAFFIC_CONTROL')) {
    problems.push(`a Lambda deployment's deploymentStyle is always {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}; got ${show(style)}`);
  }
  if (input.deploymentConfigName !== undefined && typeof input.deploymentConfigName !== 'string') {
    problems.push(`deploymentConfigName must be a string; got ${show(input.deploymentConfigName)}`);
  }
  problems.push(...configProblems(input, 'Lambda'));
  const timeout = input.lambdaHookTimeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_HOOK_TIMEOUT_SECONDS)) {
    problems.push(`lambdaHookTimeoutSeconds must be a whole number of seconds from 1 to ${MAX_HOOK_TIMEOUT_SECONDS}; got ${show(timeout)}`);
  }
  problems.push(...sharedProblems(input), ...deploymentGroupIdProblems(input, options.hardened ?? true));
  return problems;
}

/** Settings every deployment has, whatever its platform: triggers, alarms, its group, description, creator. */
function sharedProblems(input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (input.triggerConfigurations !== undefined) problems.push(...validateTriggers(input.triggerConfigurations));
  if (input.alarmConfiguration !== undefined) problems.push(...validateAlarms(input.alarmConfiguration));
  if (input.group !== undefined && (!isRecord(input.group) || typeof input.group.workflowId !== 'string' || typeof input.group.queued !== 'boolean')) {
    problems.push('group is set by the deploymentGroup workflow: {"workflowId": …, "queued": true|false}');
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 256)) {
    problems.push('description must be a string of at most 256 characters');
  }
  if (input.creator !== undefined && !CREATORS.includes(String(input.creator))) {
    problems.push(`creator must be one of ${CREATORS.join(', ')}; got ${show(input.creator)}`);
  }
  return problems;
}

/** The deployment configuration (by name or inline): valid, and for the deployment's platform. */
function configProblems(input: Record<string, unknown>, platform: ComputePlatform): string[] {
  const problems: string[] = [];
  const predefined = typeof input.deploymentConfigName === 'string' ? findPredefinedConfig(input.deploymentConfigName, platform) : undefined;
  const predefinedMismatch = predefined && platformMismatch(predefined, platform);
  if (predefinedMismatch) problems.push(predefinedMismatch);
  if (input.deploymentConfig !== undefined) {
    if (input.deploymentConfigName !== undefined) problems.push('give deploymentConfigName or deploymentConfig, not both');
    const custom = validateCustomConfig(input.deploymentConfig).map((p) => `deploymentConfig: ${p}`);
    problems.push(...custom);
    const mismatch = custom.length === 0 && platformMismatch(input.deploymentConfig as DeploymentConfig, platform);
    if (mismatch) problems.push(mismatch);
  }
  return problems;
}

/** Whether a deployment moves a Lambda alias. */
export function isLambda(input: Pick<DeploymentInput, 'computePlatform'>): boolean {
  return input.computePlatform === 'Lambda';
}

function deploymentGroupIdProblems(input: Record<string, unknown>, hardened: boolean): string[] {
  if (input.deploymentGroupId === undefined) return [];
  if (!hardened) return typeof input.deploymentGroupId !== 'string' || !HOST_ID_PATTERN.test(input.deploymentGroupId) ? [`deploymentGroupId must be letters, digits, . _ -; got ${show(input.deploymentGroupId)}`] : [];
  if (typeof input.applicationName !== 'string' || typeof input.deploymentGroupName !== 'string') return [];
  // Agents keep each group's files under its ID: a caller must never be able to choose one that names
  // another group's files, or the agent's own.
  const derived = deriveDeploymentGroupId(input.applicationName, input.deploymentGroupName);
  return input.deploymentGroupId !== derived ? [`deploymentGroupId is derived from applicationName and deploymentGroupName (${derived}) and cannot be chosen; leave it out (got ${show(input.deploymentGroupId)})`] : [];
}

function validateAlarms(config: unknown): string[] {
  if (!isRecord(config) || typeof config.enabled !== 'boolean' || !Array.isArray(config.alarms)) {
    return ['alarmConfiguration must be {"enabled": true|false, "alarms": [{"name": "…"}], "ignorePollAlarmFailure"?: true|false}'];
  }
  const problems: string[] = [];
  if (config.alarms.length > 10) problems.push(`alarmConfiguration.alarms lists ${config.alarms.length} alarms; at most 10`);
  if (config.enabled && config.alarms.length === 0) problems.push('alarmConfiguration is enabled but lists no alarms');
  config.alarms.forEach((alarm, i) => {
    if (!isRecord(alarm) || typeof alarm.name !== 'string' || alarm.name.length === 0 || alarm.name.length > 255) problems.push(`alarmConfiguration.alarms[${i}].name must be an alarm name (1-255 characters)`);
  });
  if (config.ignorePollAlarmFailure !== undefined && typeof config.ignorePollAlarmFailure !== 'boolean') problems.push('alarmConfiguration.ignorePollAlarmFailure must be true or false');
  const every = config.pollIntervalSeconds;
  if (every !== undefined && (typeof every !== 'number' || every < 1 || every > 300)) problems.push(`alarmConfiguration.pollIntervalSeconds must be 1-300; got ${show(every)}`);
  return problems;
}

function validateDeploymentStyle(style: unknown, hasLoadBalancer: boolean): string[] {
  if (!isRecord(style) || !(DEPLOYMENT_TYPES as readonly unknown[]).includes(style.deploymentType) || !(DEPLOYMENT_OPTIONS as readonly unknown[]).includes(style.deploymentOption)) {
    return [`deploymentStyle must be {"deploymentType": ${DEPLOYMENT_TYPES.join('|')}, "deploymentOption": ${DEPLOYMENT_OPTIONS.join('|')}}; got ${show(style)}`];
  }
  if (style.deploymentType === 'BLUE_GREEN' && style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    return ['deploymentStyle BLUE_GREEN needs deploymentOption WITH_TRAFFIC_CONTROL: a blue/green deployment moves traffic from the original hosts to the replacement ones'];
  }
  if (style.deploymentOption === 'WITH_TRAFFIC_CONTROL' && !hasLoadBalancer) {
    return ['deploymentStyle.deploymentOption WITH_TRAFFIC_CONTROL needs loadBalancerInfo: the target groups hosts leave while they are deployed'];
  }
  return [];
}

/** Whether a deployment is blue/green. */
export function isBlueGreen(input: Pick<DeploymentInput, 'deploymentStyle'>): boolean {
  return input.deploymentStyle?.deploymentType === 'BLUE_GREEN';
}

/** The blue/green fields: only on BLUE_GREEN deployments, and what each needs. */
function validateBlueGreenInput(input: Record<string, unknown>, groupConfig: boolean): string[] {
  const style = input.deploymentStyle;
  const blueGreen = isRecord(style) && style.deploymentType === 'BLUE_GREEN';
  const lb = isRecord(input.loadBalancerInfo) ? input.loadBalancerInfo : undefined;
  const problems: string[] = [];
  for (const field of ['blueGreenDeploymentConfiguration', 'targetInstances'] as const) {
    if (input[field] !== undefined && !blueGreen) problems.push(`${field} applies only to blue/green deployments (deploymentStyle.deploymentType BLUE_GREEN)`);
  }
  if (lb?.targetGroupPairInfoList !== undefined && !blueGreen) problems.push('loadBalancerInfo.targetGroupPairInfoList applies only to blue/green deployments (deploymentStyle.deploymentType BLUE_GREEN)');
  if (!blueGreen) return problems;
  if (input.blueGreenDeploymentConfiguration !== undefined) problems.push(...validateBlueGreenConfiguration(input.blueGreenDeploymentConfiguration, lb?.targetGroupPairInfoList !== undefined));
  if (input.targetInstances !== undefined) problems.push(...validateTargetInstances(input.targetInstances));
  const config = isRecord(input.blueGreenDeploymentConfiguration) ? (input.blueGreenDeploymentConfiguration as BlueGreenDeploymentConfiguration) : undefined;
  const discovers = resolveBlueGreen(config).greenFleet === 'DISCOVER_EXISTING';
  if (!discovers) {
    const groups = Array.isArray(input.autoScalingGroups) ? input.autoScalingGroups : [];
    if (groups.length !== 1) problems.push(`COPY_AUTO_SCALING_GROUP copies the deployment group's Auto Scaling group: autoScalingGroups must name exactly one; got ${show(input.autoScalingGroups)}`);
    if (input.targetInstances !== undefined) problems.push('targetInstances applies to DISCOVER_EXISTING; COPY_AUTO_SCALING_GROUP makes the replacement hosts itself');
  }
  if (!groupConfig && discovers && input.targetInstances === undefined && input.blueGreenRollback === undefined) {
    problems.push('a blue/green deployment with DISCOVER_EXISTING needs targetInstances: the replacement hosts (tagFilters, ec2TagSet or targetHosts)');
  }
  return problems;
}

function validateLoadBalancerInfo(info: unknown): string[] {
  if (!isRecord(info)) return ['loadBalancerInfo must be an object like {"targetGroupInfoList": [{"name": "web"}]}'];
  const problems: string[] = [];
  const groups = info.targetGroupInfoList;
  if (info.targetGroupPairInfoList !== undefined) {
    problems.push(...validateTargetGroupPairs(info.targetGroupPairInfoList));
    if (groups !== undefined) problems.push('loadBalancerInfo: give targetGroupInfoList or targetGroupPairInfoList, not both');
  } else if (!Array.isArray(groups) || groups.length === 0 || groups.length > 10) {
    problems.push(`loadBalancerInfo.targetGroupInfoList must list 1-10 target groups; got ${show(groups)}`);
  } else {
    groups.forEach((group, i) => {
      // ELBv2 target group names: 1-32 letters, digits and hyphens.
      if (!isRecord(group) || typeof group.name !== 'string' || !/^[A-Za-z0-9-]{1,32}$/.test(group.name)) {
        problems.push(`loadBalancerInfo.targetGroupInfoList[${i}].name must be a target group name (1-32 letters, digits, -); got ${show(isRecord(group) ? group.name : group)}`);
      }
    });
  }
  const timeout = info.trafficTimeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > 3600)) {
    problems.push(`loadBalancerInfo.trafficTimeoutSeconds must be 1-3600 seconds; got ${show(timeout)}`);
  }
  return problems;
}

/**
 * Checks the identity an agent is asked to act for, before it touches a path built from it: the
 * deployment ID has CodeDeploy's shape and the group ID is the one its names derive. Empty when sound.
 */
export function checkDeploymentIdentity(context: Pick<DeploymentContext, 'deploymentId' | 'deploymentGroupId' | 'applicationName' | 'deploymentGroupName'>): string | undefined {
  if (typeof context.deploymentId !== 'string' || !DEPLOYMENT_ID_PATTERN.test(context.deploymentId)) {
    return `the deployment ID ${show(context.deploymentId)} does not look like d-XXXXXXXXX`;
  }
  if (typeof context.applicationName !== 'string' || typeof context.deploymentGroupName !== 'string') return 'the deployment names no application and group';
  const derived = deriveDeploymentGroupId(context.applicationName, context.deploymentGroupName);
  if (context.deploymentGroupId !== derived) {
    return `the deployment group ID ${show(context.deploymentGroupId)} is not the one ${show(context.applicationName)}/${show(context.deploymentGroupName)} derives (${derived})`;
  }
  return undefined;
}

/**
 * A stable deployment group ID derived from the application and group names (UUID-shaped, like
 * CodeDeploy's). Pure, so workflow code can compute it deterministically.
 */
export function deriveDeploymentGroupId(applicationName: string, deploymentGroupName: string): string {
  const text = `${applicationName}\u0000${deploymentGroupName}`;
  // Four independent 32-bit FNV-1a hashes (different seeds) give 128 bits for the UUID shape.
  const parts = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x7f4a7c15].map((seed) => {
    let hash = seed >>> 0;
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, '0');
  });
  const hex = parts.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
