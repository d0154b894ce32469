import type { DeploymentInput } from './deployment.js';
import type { DeploymentConfig } from './deployment-config.js';
import type { RollbackRequest } from './deployment-group.js';
import type { DeploymentOutcomes, LoadBalancerTarget, SelectedTarget, TargetQuery, TargetWatch } from './hosts.js';
import type { RevisionLocation } from './revision.js';
import type { Notification } from './triggers.js';
import type { AliasRouting, LambdaResolution } from './lambda.js';
import type { GroupDeploymentRequest } from './deployment-group.js';
import type { LifecycleEventResult } from './agent.js';
import type { HookEventName } from './lifecycle.js';

/** BlockTraffic / AllowTraffic for one host. */
export interface TrafficRequest {
  action: 'BlockTraffic' | 'AllowTraffic';
  hostId: string;
  target: LoadBalancerTarget;
  targetGroupNames: string[];
  timeoutSeconds: number;
}

export interface TrafficResult {
  targetGroups: string[];
  seconds: number;
}

/** An Auto Scaling group's copy: its name, and the instances of the original and of the copy. */
export interface CopiedFleet {
  copyName: string;
  originalInstanceIds: string[];
  replacementInstanceIds: string[];
}

/** One target group's share of a listener's traffic (ELBv2 weights: whole numbers 0-999). */
export interface TrafficWeight {
  targetGroupName: string;
  weight: number;
}

/** Make a listener (its default forward action) or a listener rule forward with these weights. */
export interface TrafficWeightsRequest {
  /** A listener ARN (`…:listener/…`) or a listener rule ARN (`…:listener-rule/…`). */
  listenerArn: string;
  weights: TrafficWeight[];
}

export interface TrafficWeightsResult {
  listenerArn: string;
  /** What it forwarded to before (target group ARN and weight), to put it back on a rollback. */
  before: { targetGroupArn: string; weight: number }[];
  after: { targetGroupArn: string; weight: number }[];
  /** false when it already forwarded so (a repeated call). */
  changed: boolean;
}

/**
 * Activities served by the controller worker on the controller task queue. Activity types are the
 * property names (public API). Lookups take the controller task queue, which names the installation's
 * registry and configuration catalog.
 */
export interface ControllerActivities {
  /** Resolves the revision to exactly one object (S3 version and ETag); other revisions come back as given. */
  pinRevision(revision: RevisionLocation): Promise<RevisionLocation>;
  /** A custom deployment configuration from the catalog; fails with DeploymentConfigNotFound. */
  resolveDeploymentConfig(input: { controllerTaskQueue: string; deploymentConfigName: string }): Promise<DeploymentConfig>;
  /** The hosts a selection matches in the registry, with their health for the group. */
  selectTargets(input: { controllerTaskQueue: string; query: TargetQuery }): Promise<SelectedTarget[]>;
  /** Reports a deployment's host results to the registry (creating it if needed). */
  recordDeploymentOutcomes(input: { controllerTaskQueue: string; outcomes: DeploymentOutcomes }): Promise<void>;
  /** Registers a group's target selection with the registry (creating it if needed). */
  watchTargets(input: { controllerTaskQueue: string; watch: TargetWatch }): Promise<void>;
  /** Starts a `deployment` workflow for a deployment group (idempotent: an existing one counts as started). */
  startDeploymentWorkflow(input: { deploymentId: string; input: DeploymentInput; controllerTaskQueue: string }): Promise<void>;
  /** Asks a group for a rollback; answers the rollback's ID, or why it was refused. */
  requestRollback(input: { groupWorkflowId: string; request: RollbackRequest }): Promise<{ deploymentId: string } | { refused: string }>;
  /** Reads the alarms' states: which are in ALARM, and which do not exist. */
  pollAlarms(input: { alarmNames: string[] }): Promise<{ inAlarm: string[]; missing: string[] }>;
  /** Delivers one trigger notification (webhook POST). */
  sendNotification(notification: Notification): Promise<void>;
  /** Deregisters a host from its target groups and waits until it is out. */
  BlockTraffic(request: TrafficRequest): Promise<TrafficResult>;
  /** Registers a host with its target groups and waits until it is healthy. */
  AllowTraffic(request: TrafficRequest): Promise<TrafficResult>;
  /** Moves whole-group traffic at a listener or rule: a switch (one group) or weights (canary, linear). */
  setTrafficWeights(request: TrafficWeightsRequest): Promise<TrafficWeightsResult>;
  /** What a listener or rule forwards to, by target group name and weight. */
  readTrafficWeights(request: { listenerArn: string }): Promise<{ listenerArn: string; weights: TrafficWeight[] }>;
  /** Terminates EC2 instances (blue/green's TERMINATE); an instance already gone counts as terminated. */
  terminateInstances(request: { instanceIds: string[] }): Promise<{ terminated: string[] }>;
  /** Copies an Auto Scaling group (blue/green's COPY_AUTO_SCALING_GROUP), or describes the copy made before. */
  copyAutoScalingGroup(request: { sourceName: string; copyName: string }): Promise<CopiedFleet>;
  /** Deletes Auto Scaling groups and their instances (ForceDelete); one already gone counts as deleted. */
  deleteAutoScalingGroups(request: { names: string[] }): Promise<void>;
  /** Rollouts: starts a deployment through a region's group, with the ID the rollout chose (a repeat starts nothing more). */
  startRegionDeployment(input: { taskQueue: string; applicationName: string; deploymentGroupName: string; request: GroupDeploymentRequest }): Promise<{ deploymentId: string }>;
  /** Rollouts: waits (heartbeating) until a deployment ends. */
  awaitDeployment(input: { deploymentId: string }): Promise<{ status: 'Succeeded' | 'Failed' | 'Stopped'; message?: string }>;
  /** Rollouts: stops a region's deployment. */
  stopRegionDeployment(input: { deploymentId: string; autoRollback?: boolean }): Promise<void>;
  /** Rollouts: other running rollouts of an application. */
  runningRollouts(input: { applicationName: string; except: string }): Promise<string[]>;
  /** Lambda: reads the AppSpec and checks the function, versions, alias and validation functions. */
  resolveLambdaRevision(request: { revision: RevisionLocation }): Promise<LambdaResolution>;
  /** Lambda: makes an alias route as asked (version and additional weights); a repeat changes nothing. */
  routeAlias(request: { functionName: string; alias: string; routing: AliasRouting }): Promise<{ before: AliasRouting; after: AliasRouting; changed: boolean }>;
  /**
   * A hook event whose revision has no scripts for it: Succeeded, no-op. Run as a local activity by the
   * host's workflow, so the event keeps its own entry in the host's history and the UI without a round
   * trip to the agent.
   */
  answerScriptlessEvent(input: { event: HookEventName; hostId: string; deploymentId: string }): Promise<LifecycleEventResult>;
  /** Lambda: invokes a validation function asynchronously with DeploymentId and LifecycleEventHookExecutionId. */
  invokeLambdaHook(request: { functionName: string; deploymentId: string; lifecycleEventHookExecutionId: string }): Promise<{ statusCode: number; requestId?: string }>;
}
