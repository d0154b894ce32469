import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  log,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { findPredefinedConfig, platformMismatch } from './contracts/deployment-config.js';
import type { DeploymentContext, DeploymentInput, DeploymentSummary } from './contracts/deployment.js';
import { deriveDeploymentGroupId, isBlueGreen, isLambda, validateDeploymentInput } from './contracts/deployment.js';
import { rollbackOf } from './contracts/blue-green.js';
import type { ErrorInformation } from './contracts/errors.js';
import { FailureType } from './contracts/errors.js';
import type { LoadBalancerTarget, SelectedTarget } from './contracts/hosts.js';
import { DEPLOYMENT_ID_PATTERN } from './contracts/naming.js';
import { describeRevision, needsPinning, revisionIdentity } from './contracts/revision.js';
import { describeSelection } from './contracts/targets.js';
import type { TriggerEvent } from './contracts/triggers.js';
import { deploymentPayload } from './contracts/triggers.js';
import { Notifier } from './notifier.js';
import { rootCause } from './failures.js';
import { deploymentFinishedSignal, deploymentStatusQuery, proceedSignal, stopSignal } from './messages.js';
import { rollsBack } from './contracts/deployment-group.js';
import { GantrySearchAttributes } from './search-attributes.js';
import { countDeploymentFinished, countDeploymentStarted } from './metrics.js';
import { controller, entities } from './controller-proxies.js';
import { interpret } from './interpreter.js';
import { strategyFor } from './strategies/index.js';
import type { StepFailureCode, StrategyKind, StrategyStep } from './strategies/strategy.js';
import { TargetTracker } from './target-tracker.js';
import { joinProblems, show } from './contracts/values.js';

/** patched() ID of issue 12's input checks (trusted IDs, size and timeout bounds). */
const HARDENED_INPUT_PATCH = 'hardened-deployment-input';

/** The deployment's strategy, from its deploymentStyle. */
function strategyOf(input: DeploymentInput): StrategyKind {
  return isLambda(input) ? 'LAMBDA' : isBlueGreen(input) ? 'BLUE_GREEN' : 'IN_PLACE';
}

/** Failure type and error code of a strategy's failure. */
const STEP_FAILURES: Record<StepFailureCode | 'HEALTH_CONSTRAINTS', { type: FailureType; code: ErrorInformation['code'] }> = {
  HEALTH_CONSTRAINTS: { type: FailureType.HealthConstraints, code: 'HEALTH_CONSTRAINTS' },
  NO_INSTANCES: { type: FailureType.NoInstances, code: 'NO_INSTANCES' },
  INVALID_TARGET_INSTANCES: { type: FailureType.InvalidDeploymentInput, code: 'INVALID_TARGET_INSTANCES' },
  TRAFFIC_CONTROL: { type: FailureType.TrafficControlFailed, code: 'ELASTIC_LOAD_BALANCING_INVALID' },
  AUTO_SCALING: { type: FailureType.InvalidDeploymentInput, code: 'AUTO_SCALING_CONFIGURATION' },
  INTERNAL: { type: FailureType.AgentError, code: 'INTERNAL_ERROR' },
  INVALID_REVISION: { type: FailureType.InvalidRevision, code: 'INVALID_REVISION' },
  INVALID_LAMBDA_FUNCTION: { type: FailureType.InvalidLambdaConfiguration, code: 'INVALID_LAMBDA_FUNCTION' },
  INVALID_LAMBDA_CONFIGURATION: { type: FailureType.InvalidLambdaConfiguration, code: 'INVALID_LAMBDA_CONFIGURATION' },
  HOOK_EXECUTION_FAILURE: { type: FailureType.HookFailed, code: 'HOOK_EXECUTION_FAILURE' },
};

/** A validation function invoked by the deployment, waiting for (or past) its status report. */
export interface HookExecution {
  lifecycleEventName: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  reportedAt?: string;
  timedOut?: boolean;
}

/** What one run of a deployment hands to the next when it continues as new. */
export interface DeploymentProgress {
  summary: DeploymentSummary;
  context: DeploymentContext;
  /** The deployment's strategy (absent in runs that began before the engine: in place). */
  strategy?: StrategyKind;
  /** The strategy's plan and its run's state: its own JSON, handed back to it. */
  plan: unknown;
  rollout: unknown;
  /** Load balancer targets of the hosts, when the deployment controls traffic. */
  loadBalancerTargets?: Record<string, LoadBalancerTarget>;
  firstFailure: string;
  /** Host results not yet reported to the registry. */
  unreported: { succeeded: string[]; failed: string[] };
  runs: number;
  /** A bake or wait for continue that continued as new: the step and its deadline (epoch ms). */
  resumeWait?: { step: StrategyStep; until: number };
  /** Lambda validation functions invoked, by lifecycleEventHookExecutionId, and what they reported. */
  hookExecutions?: Record<string, HookExecution>;
}

/**
 * One deployment of one revision to one deployment group's hosts, in place, as the deployment
 * configuration allows. The workflow ID is the deployment ID. Completes with the final summary when
 * the deployment succeeds; fails with a typed failure (details: the summary) otherwise. `resumed` is
 * set only by continue-as-new.
 */
export async function deployment(input: DeploymentInput, resumed?: DeploymentProgress): Promise<DeploymentSummary> {
  if (!resumed) {
    // Runs that began before issue 12's checks replay as they were judged then (ARCHITECTURE.md).
    const hardened = patched(HARDENED_INPUT_PATCH);
    const problems = validateDeploymentInput(input, { hardened });
    // The deployment ID names directories on every host: only CodeDeploy's shape is accepted.
    if (hardened && !DEPLOYMENT_ID_PATTERN.test(workflowInfo().workflowId)) problems.unshift(`the workflow ID is the deployment ID and must look like d-XXXXXXXXX (d- and 9 upper-case letters or digits); got ${show(workflowInfo().workflowId)}`);
    if (problems.length > 0) {
      throw ApplicationFailure.create({ type: FailureType.InvalidDeploymentInput, message: joinProblems(problems), nonRetryable: true });
    }
  }
  const info = workflowInfo();
  const summary: DeploymentSummary = resumed?.summary ?? newSummary(input, info.workflowId, info.startTime);
  setHandler(deploymentStatusQuery, () => summary);
  const tracker = new TargetTracker(summary);
  // Every host's child runs in this scope, so a stop cancels them all (and with them their hooks).
  const hosts = new CancellationScope();
  setHandler(stopSignal, (request) => {
    if (summary.stopRequested || summary.completeTime) return;
    summary.stopRequested = { autoRollback: request?.autoRollback ?? false };
    hosts.cancel();
  });

  /** Ends the deployment: hosts never started are Skipped; the status and search attribute are final. */
  const settle = (error?: ErrorInformation, stopped = false): void => {
    for (const target of summary.targets) if (target.status === 'Pending') tracker.set(target, 'Skipped');
    summary.status = stopped ? 'Stopped' : error ? 'Failed' : 'Succeeded';
    summary.completeTime = new Date().toISOString();
    summary.currentZone = undefined;
    if (error) summary.errorInformation = error;
    upsertSearchAttributes([{ key: GantrySearchAttributes.status, value: summary.status }]);
    countDeploymentFinished(input, summary.status);
    log[summary.status === 'Succeeded' ? 'info' : 'warn'](`deployment ${summary.status.toLowerCase()}`, { deploymentId: summary.deploymentId, status: summary.status, ...(error ? { code: error.code } : {}), targets: { ...summary.deploymentOverview } });
    const o = summary.deploymentOverview;
    setCurrentDetails(`**${summary.status}**${error ? ` · ${error.code}: ${error.message}` : ''} · targets: ${o.Succeeded} succeeded, ${o.Failed} failed, ${o.Skipped} skipped`);
  };
  const failed = (type: FailureType, error: ErrorInformation): ApplicationFailure => {
    settle(error, type === FailureType.ManualStop || type === FailureType.AlarmActive);
    return ApplicationFailure.create({ type, message: error.message, nonRetryable: true, details: [summary] });
  };

  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  let failure: unknown;
  const notifier = new Notifier(input.triggerConfigurations);

  try {
    if (!resumed && input.group?.queued) {
      // Another deployment of the group is in progress: wait for the group to say it is our turn.
      summary.status = 'Queued';
      upsertSearchAttributes([{ key: GantrySearchAttributes.status, value: 'Queued' }]);
      await condition(() => proceed || summary.stopRequested !== undefined);
      summary.status = 'InProgress';
    }
    if (!resumed) {
      countDeploymentStarted(input);
      log.info('deployment started', { deploymentId: info.workflowId, applicationName: input.applicationName, deploymentGroupName: input.deploymentGroupName });
      notifier.send('DeploymentStart', (name) => deploymentPayload(summary, name));
    }
    const progress = resumed ?? (summary.stopRequested ? undefined : await prepare(input, summary, tracker, failed));
    const outcome =
      summary.stopRequested || !progress
        ? ({ kind: 'stopped' } as const)
        : await interpret(input, progress, tracker, hosts, notifier, (next) => continueAsNew<typeof deployment>(input, next));
    if (outcome.kind === 'stopped' && summary.stopRequested?.alarm) {
      throw failed(FailureType.AlarmActive, { code: 'ALARM_ACTIVE', message: `The deployment was stopped because ${summary.stopRequested.alarm}; hosts in flight were cancelled.` });
    }
    if (outcome.kind === 'stopped') {
      throw failed(FailureType.ManualStop, { code: 'MANUAL_STOP', message: `The deployment was stopped by request; hosts in flight were cancelled.${progress?.firstFailure ?? ''}` });
    }
    if (outcome.kind === 'waitTimedOut') throw failed(FailureType.ManualStop, { code: 'TIMEOUT', message: outcome.message });
    if (outcome.kind === 'failed') {
      const { type, code } = STEP_FAILURES[outcome.code ?? 'HEALTH_CONSTRAINTS'];
      throw failed(type, { code, message: `${outcome.message}${progress?.firstFailure ?? ''}` });
    }
    settle();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // not an ending: the next run carries on
    failure = err;
  }
  await afterwards(input, summary, notifier);
  if (failure) throw failure;
  return summary;
}

/**
 * Once a deployment has ended: an automatic rollback when its group's configuration (or the stop
 * request) asks for one, then the group is told, so a queued deployment can proceed.
 */
async function afterwards(input: DeploymentInput, summary: DeploymentSummary, notifier: Notifier): Promise<void> {
  const group = input.group;
  const ended = summary.completeTime !== undefined;
  const ending = summary.status !== 'Stopped' ? 'failed' : summary.stopRequested?.alarm ? 'stoppedOnAlarm' : 'stoppedOnRequest';
  // A blue/green Ready wait that timed out moved no traffic: there is nothing to roll back.
  const readyTimedOut = summary.errorInformation?.code === 'TIMEOUT';
  const wantsRollback =
    ended &&
    !readyTimedOut &&
    (summary.status === 'Failed' || summary.status === 'Stopped') &&
    ((summary.status === 'Stopped' && summary.stopRequested?.autoRollback === true) || rollsBack(group?.autoRollbackConfiguration, ending));
  const lambdaRollback = summary.lambda?.rollback;
  if (lambdaRollback) {
    // A Lambda deployment rolls back by itself: the alias is already back on CurrentVersion.
    summary.rollbackInfo = { rollbackMessage: `The alias ${summary.lambda?.functionAlias ?? ''} of ${summary.lambda?.functionName ?? ''} was put back on version ${summary.lambda?.currentVersion ?? ''}: ${lambdaRollback.reason}` };
  } else if (wantsRollback && summary.computePlatform === 'Lambda') {
    summary.rollbackInfo = { rollbackMessage: 'No rollback: no traffic had moved to the target version.' };
  } else if (wantsRollback) {
    if (!group) {
      summary.rollbackInfo = { rollbackMessage: 'No rollback: the deployment was not started by a deployment group, so there is no last successful revision to go back to.' };
    } else if (summary.creator === 'codeDeployRollback') {
      summary.rollbackInfo = { ...summary.rollbackInfo, rollbackMessage: 'No rollback: this deployment is itself a rollback.' };
    } else {
      const reason = `Automatic rollback after ${summary.deploymentId} ${summary.status === 'Stopped' ? 'was stopped' : 'failed'} (${summary.errorInformation?.code ?? summary.status})`;
      // (stoppedOnAlarm rolls back only as the group's DEPLOYMENT_STOP_ON_ALARM says; a stop request's autoRollback always does.)
      const blueGreen = rollbackOf(summary.deploymentId, summary.blueGreen);
      const answer = await controller.requestRollback({ groupWorkflowId: group.workflowId, request: { triggeringDeploymentId: summary.deploymentId, reason, ...(blueGreen ? { blueGreen } : {}) } });
      summary.rollbackInfo = 'refused' in answer ? { rollbackMessage: `No rollback: ${answer.refused}` } : { rollbackDeploymentId: answer.deploymentId, rollbackMessage: reason };
    }
  }
  const event: TriggerEvent = summary.status === 'Succeeded' ? 'DeploymentSuccess' : summary.status === 'Stopped' ? 'DeploymentStop' : 'DeploymentFailure';
  notifier.send(event, (name) => deploymentPayload(summary, name));
  if (summary.rollbackInfo?.rollbackDeploymentId) notifier.send('DeploymentRollback', (name) => deploymentPayload(summary, name));
  await notifier.flush();
  if (group) {
    const finished = {
      deploymentId: summary.deploymentId,
      status: ended ? summary.status : 'Failed',
      revision: summary.revision,
      completeTime: summary.completeTime ?? new Date().toISOString(),
      ...(summary.blueGreen
        ? { blueGreen: { servingHosts: summary.blueGreen.servingHosts, rollback: rollbackOf(summary.deploymentId, summary.blueGreen), ...(summary.blueGreen.autoScalingGroups?.original ? { autoScalingGroups: [summary.blueGreen.autoScalingGroups.replacement] } : {}) } }
        : {}),
    } as const;
    await getExternalWorkflowHandle(group.workflowId).signal(deploymentFinishedSignal, finished).catch(() => undefined);
  }
}

function newSummary(input: DeploymentInput, deploymentId: string, startTime: Date): DeploymentSummary {
  return {
    deploymentId,
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: input.deploymentGroupId ?? deriveDeploymentGroupId(input.applicationName, input.deploymentGroupName),
    deploymentConfigName: input.deploymentConfig?.deploymentConfigName ?? findPredefinedConfig(input.deploymentConfigName, input.computePlatform)?.deploymentConfigName ?? input.deploymentConfigName ?? '',
    ...(isLambda(input) ? { computePlatform: 'Lambda' as const } : {}),
    revision: input.revision,
    creator: input.creator ?? 'user',
    description: input.description,
    ...(input.rollbackInfo ? { rollbackInfo: input.rollbackInfo } : {}),
    status: 'InProgress',
    createTime: startTime.toISOString(),
    deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
    updateOutdatedInstancesOnly: input.updateOutdatedInstancesOnly ?? false,
    targets: [],
  };
}

/** First run only: configuration, revision pinning, target selection and the plan. */
async function prepare(
  input: DeploymentInput,
  summary: DeploymentSummary,
  tracker: TargetTracker,
  failed: (type: FailureType, error: ErrorInformation) => ApplicationFailure,
): Promise<DeploymentProgress> {
  const controllerTaskQueue = workflowInfo().taskQueue;
  upsertSearchAttributes([
    { key: GantrySearchAttributes.application, value: input.applicationName },
    { key: GantrySearchAttributes.deploymentGroup, value: input.deploymentGroupName },
    // The value it started with: a keyed digest under the payload codec, which only the starter can compute.
    { key: GantrySearchAttributes.revision, value: workflowInfo().typedSearchAttributes.get(GantrySearchAttributes.revision) ?? describeRevision(input.revision) },
    { key: GantrySearchAttributes.status, value: 'InProgress' },
  ]);
  let config = input.deploymentConfig ?? findPredefinedConfig(input.deploymentConfigName, input.computePlatform);
  if (!config) {
    try {
      config = await entities.resolveDeploymentConfig({ controllerTaskQueue, deploymentConfigName: input.deploymentConfigName ?? '' });
    } catch (err) {
      // The name is bad input, like a validation problem: fail with the catalog's own failure.
      const cause = rootCause(err);
      throw cause instanceof ApplicationFailure ? cause : err;
    }
  }
  summary.deploymentConfigName = config.deploymentConfigName;
  const mismatch = isLambda(input) || config.computePlatform ? platformMismatch(config, input.computePlatform ?? 'Server') : undefined;
  if (mismatch) throw failed(FailureType.InvalidDeploymentInput, { code: isLambda(input) ? 'INVALID_LAMBDA_CONFIGURATION' : 'INVALID_DEPLOYMENT_CONFIGURATION', message: mismatch });

  const context: DeploymentContext = {
    deploymentId: summary.deploymentId,
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: summary.deploymentGroupId,
    revision: input.revision,
    creator: summary.creator,
    fileExistsBehavior: input.fileExistsBehavior,
    ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false,
    ...(isBlueGreen(input) ? { deploymentType: 'BLUE_GREEN' as const } : {}),
    ...(input.formerDeploymentGroups?.length ? { formerDeploymentGroups: input.formerDeploymentGroups } : {}),
  };
  // Targets first, so a deployment that fails on its revision still lists them (Skipped).
  const selection = { targetHosts: input.targetHosts, tagFilters: input.tagFilters, tagSet: input.tagSet };
  // A Lambda deployment has no hosts: its one target (function:alias) is known once its AppSpec is read.
  const selected: SelectedTarget[] = isLambda(input) ? [] : await entities.selectTargets({ controllerTaskQueue, query: { deploymentGroupId: context.deploymentGroupId, selection } });
  tracker.add(selected.map((t) => ({ targetId: t.hostId, status: 'Pending', zone: t.zone })));
  const deregistered = selected.filter((t) => t.deregistered).map((t) => t.hostId);
  if (deregistered.length > 0) {
    throw failed(FailureType.InvalidDeploymentInput, { code: 'INVALID_TARGET_INSTANCES', message: `${deregistered.join(', ')} ${deregistered.length === 1 ? 'is' : 'are'} deregistered (deregister-on-premises-instance) and cannot be deployed to; register ${deregistered.length === 1 ? 'it' : 'them'} again with register-on-premises-instance` });
  }
  if (needsPinning(context.revision)) {
    try {
      context.revision = await controller.pinRevision(context.revision);
      summary.revision = context.revision;
    } catch (err) {
      const cause = rootCause(err);
      const message = cause instanceof Error ? cause.message : String(cause);
      const missing = cause instanceof ApplicationFailure && cause.type === FailureType.RevisionNotFound;
      throw failed(missing ? FailureType.RevisionNotFound : FailureType.InvalidRevision, { code: missing ? 'REVISION_MISSING' : 'INVALID_REVISION', message });
    }
  }

  const revisionKey = revisionIdentity(context.revision);
  const strategy = strategyFor(strategyOf(input));
  const { loadBalancerInfo, blueGreenDeploymentConfiguration, targetInstances, blueGreenRollback, autoScalingGroups, lambdaHookTimeoutSeconds } = input;
  const blueGreen = { deployment: { loadBalancerInfo, blueGreenDeploymentConfiguration, targetInstances, blueGreenRollback, autoScalingGroups }, deploymentId: summary.deploymentId, deploymentGroupName: input.deploymentGroupName };
  const lambda = { deployment: { lambdaHookTimeoutSeconds }, newId: uuid4 };
  const planned = strategy.plan(config, selected, { ...(input.updateOutdatedInstancesOnly ? { skipHostsRunning: revisionKey } : {}), ...(isBlueGreen(input) ? blueGreen : {}), ...(isLambda(input) ? lambda : {}) });
  if (!planned.ok) {
    const message = planned.code === 'NO_INSTANCES' ? `No host matches ${describeSelection(selection)}: are their agents registered with these tags?` : planned.message;
    throw failed(planned.code === 'NO_INSTANCES' ? FailureType.NoInstances : FailureType.HealthConstraintsInvalid, { code: planned.code, message });
  }
  for (const hostId of strategy.skipped(planned.plan)) tracker.set(tracker.get(hostId), 'Skipped');

  const progress: DeploymentProgress = {
    summary,
    context,
    strategy: strategy.kind,
    plan: planned.plan,
    rollout: strategy.run(planned.plan).state,
    firstFailure: '',
    unreported: { succeeded: [], failed: [] },
    runs: 1,
  };
  if (input.loadBalancerInfo) {
    progress.loadBalancerTargets = Object.fromEntries(selected.filter((t) => t.loadBalancerTarget).map((t) => [t.hostId, t.loadBalancerTarget as LoadBalancerTarget]));
  }
  return progress;
}
