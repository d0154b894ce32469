/**
 * The contract between a deployment strategy and the engine. A strategy is pure: a planner from the
 * configuration and the selected targets to a plan, and a state machine over that plan that says what
 * happens next as steps. The interpreter (`workflows/interpreter.ts`) carries the steps out with
 * Temporal primitives; the shell (`workflows/deployment.ts`) does everything a deployment does
 * whatever its strategy. Adding a strategy is one module and one line in `./index.ts`.
 */
import type { DeploymentConfig } from '../contracts/deployment-config.js';
import type { LifecycleEventName } from '../contracts/lifecycle.js';
import type { InstanceHealth, RevisionHealth } from '../contracts/hosts.js';
import type { DeploymentInput, TargetStatus } from '../contracts/deployment.js';
import type { BlueGreenView, DeploymentWaitType, ListenerWeight } from '../contracts/blue-green.js';
import type { TargetSelection } from '../contracts/targets.js';
import type { CopiedFleet } from '../contracts/controller.js';
import type { AliasRouting, LambdaHookEvent, LambdaResolution, LambdaView } from '../contracts/lambda.js';

/** A selected target with its health, as every planner receives it. */
export interface CandidateTarget {
  hostId: string;
  zone: string | null;
  instanceHealth: InstanceHealth;
  revisionHealth: RevisionHealth;
  /** The revision (describeRevision key) this group last installed successfully on the host. */
  installedRevision: string | null;
}

/** The strategies the engine knows; the wire value of a deployment's strategy in its progress. */
export type StrategyKind = 'IN_PLACE' | 'BLUE_GREEN' | 'LAMBDA';

/** Why a deployment failed, when it is not the health rules (HEALTH_CONSTRAINTS, the default). */
export type StepFailureCode =
  | 'NO_INSTANCES'
  | 'INVALID_TARGET_INSTANCES'
  | 'TRAFFIC_CONTROL'
  | 'AUTO_SCALING'
  | 'INTERNAL'
  | 'INVALID_REVISION'
  | 'INVALID_LAMBDA_FUNCTION'
  | 'INVALID_LAMBDA_CONFIGURATION'
  | 'HOOK_EXECUTION_FAILURE';

/**
 * What a strategy asks for next. Host steps, timers and waits for a person are the interpreter's own;
 * every step that is not a host step is answered with stepDone() (or the deployment fails, naming it).
 */
export type StrategyStep =
  /**
   * Start these hosts' children now. `events` (default: hostEvents()) are the lifecycle events they
   * run; `phase` names a host's later child (its workflow ID's suffix); `targetGroupNames` are the
   * groups their Block/AllowTraffic use (default: loadBalancerInfo.targetGroupInfoList).
   */
  | { kind: 'deployHosts'; hostIds: string[]; events?: LifecycleEventName[]; phase?: string; targetGroupNames?: string[] }
  /** Nothing else can happen until a host in flight finishes. */
  | { kind: 'waitForHosts' }
  /** Wait this long (alarms are polled; a stop ends it early), then call bakeFinished(). */
  | { kind: 'bake'; seconds: number; detail?: string }
  /**
   * Select more targets (labelled), from the host registry. With waitForRegistration, named hosts
   * whose agents have not registered are waited for (up to agentTimeouts.scheduleToStartSeconds).
   */
  | { kind: 'selectTargets'; selection: TargetSelection; instanceLabel: 'Blue' | 'Green'; waitForRegistration?: boolean }
  /** Copy an Auto Scaling group (COPY_AUTO_SCALING_GROUP), or describe the copy made before. */
  | { kind: 'copyFleet'; sourceName: string; copyName: string }
  /** Read what a listener (or rule) forwards to. */
  | { kind: 'readTraffic'; listenerArn: string }
  /** Make a listener (or rule) forward with these weights. */
  | { kind: 'moveTraffic'; listenerArn: string; weights: ListenerWeight[]; detail: string }
  /**
   * Wait for the `continue` update of this wait type, or the timeout (0: none, at once). While
   * `readyHosts` is set the deployment and those targets are Ready (DeploymentReady, InstanceReady).
   */
  | { kind: 'waitForContinue'; waitType: DeploymentWaitType; seconds: number; readyHosts?: string[] }
  /**
   * Terminate these hosts' EC2 instances, or only let them go (keepAlive). With autoScalingGroups,
   * those groups are deleted instead, their instances with them.
   */
  | { kind: 'retireHosts'; hostIds: string[]; keepAlive: boolean; autoScalingGroups?: string[] }
  /** Lambda: read the revision's AppSpec and check it against the function, versions and alias. */
  | { kind: 'readLambdaRevision' }
  /** Lambda: make the alias route so (its version and additional version weights). */
  | { kind: 'routeAlias'; functionName: string; alias: string; routing: AliasRouting; detail: string }
  /**
   * Lambda: invoke a validation function (asynchronously) and wait, up to timeoutSeconds, for it to
   * report Succeeded or Failed with the putLifecycleEventHookExecutionStatus update.
   */
  | { kind: 'invokeHook'; lifecycleEventName: LambdaHookEvent; functionName: string; lifecycleEventHookExecutionId: string; timeoutSeconds: number }
  | { kind: 'succeeded' }
  | { kind: 'failed'; message: string; code?: StepFailureCode }
  /** The deployment ends Stopped without a stop request (a Ready wait that timed out). */
  | { kind: 'stopped'; message: string };

/** The answer to a step that is not a host step. */
export type StepResult =
  | { kind: 'selectTargets'; targets: (CandidateTarget & { registered?: boolean })[] }
  | { kind: 'copyFleet'; fleet: CopiedFleet }
  | { kind: 'readTraffic'; weights: ListenerWeight[] }
  | { kind: 'moveTraffic' }
  | { kind: 'waitForContinue'; timedOut: boolean }
  | { kind: 'retireHosts'; notTerminated: string[] }
  | { kind: 'readLambdaRevision'; resolution: LambdaResolution }
  | { kind: 'routeAlias'; at: string }
  | { kind: 'invokeHook'; status: 'Succeeded' | 'Failed'; message: string; startTime: string; endTime: string };

/** What became of a host whose child finished (default: Succeeded or Failed, reported, final). */
export interface HostOutcome {
  status: TargetStatus;
  /** Tell the host registry (the host now has, or failed to install, this revision). */
  report: boolean;
  /** The host is done with this deployment (instance success/failure notifications). */
  final: boolean;
}

export type StrategyPlanResult<Plan> = { ok: true; plan: Plan } | { ok: false; code: 'HEALTH_CONSTRAINTS_INVALID' | 'NO_INSTANCES'; message: string };

export interface StrategyPlanOptions {
  /** Deploy only to hosts whose installed revision differs from this one (updateOutdatedInstancesOnly). */
  skipHostsRunning?: string;
  /** The deployment's own settings, for strategies that need more than the configuration. */
  deployment?: Pick<DeploymentInput, 'loadBalancerInfo' | 'blueGreenDeploymentConfiguration' | 'targetInstances' | 'blueGreenRollback' | 'autoScalingGroups' | 'lambdaHookTimeoutSeconds'>;
  /** A new unique ID (the workflow's deterministic uuid4), for strategies that name what they start. */
  newId?: () => string;
  /** The deployment's ID and group name (a copied Auto Scaling group is named after them). */
  deploymentId?: string;
  deploymentGroupName?: string;
}

/** One deployment's run of a strategy. Its state is plain JSON, carried across continue-as-new. */
export interface StrategyRun<State> {
  readonly state: State;
  /** The steps to carry out now, in order. At most `limit` hosts may be in flight (0: start none). */
  next(limit: number): StrategyStep[];
  hostFinished(hostId: string, succeeded: boolean): void;
  bakeFinished(): void;
  /** Hosts started and not finished. */
  inFlight(): number;
  /** Hosts that failed so far. */
  failed(): number;
  /** The zone being deployed or baked, for a strategy that goes zone by zone; undefined otherwise. */
  zone(): { zone: string | null | undefined } | undefined;
  /** Answers a step that is not a host step. */
  stepDone?(result: StepResult): void;
  /** Like hostFinished, for a strategy whose hosts run several phases; called instead of it. */
  hostOutcome?(hostId: string, succeeded: boolean): HostOutcome;
  /** A step that is not a host step failed (its message): the strategy may still undo what it did. Without it, the deployment fails at once. */
  stepFailed?(step: StrategyStep, message: string): void;
  /**
   * The steps to carry out when the deployment is stopped (once no host is in flight): `rollback` says
   * whether what was changed is put back (a stop with rollback, an alarm, the group's auto-rollback).
   */
  windDown?(request: { rollback: boolean; reason: string }): StrategyStep[];
  /** The strategy's own part of the status (blue/green: fleets and load balancer; Lambda: the alias). */
  view?(): { blueGreen?: BlueGreenView; lambda?: LambdaView };
  /** Host IDs and their fleet label, once known (blue/green). */
  labels?(): Record<string, 'Blue' | 'Green'>;
  /** Targets that are not hosts, and their status (Lambda: `<function>:<alias>`). */
  targets?(): { targetId: string; status: TargetStatus }[];
}

export interface DeploymentStrategy<Plan, State> {
  readonly kind: StrategyKind;
  plan(config: DeploymentConfig, targets: readonly CandidateTarget[], options: StrategyPlanOptions): StrategyPlanResult<Plan>;
  /** Hosts the plan leaves alone (already up to date): listed as Skipped. */
  skipped(plan: Plan): readonly string[];
  run(plan: Plan, state?: State): StrategyRun<State>;
  /** The lifecycle events each host's child runs. */
  hostEvents(options: { trafficControl: boolean }): LifecycleEventName[];
}
