import { joinProblems, show } from './contracts/values.js';
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ContinueAsNew,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import { findPredefinedConfig } from './contracts/deployment-config.js';
import type { DeploymentContext, DeploymentInput, DeploymentSummary, HostDeploymentView, TargetStatus, TargetSummary } from './contracts/deployment.js';
import { deriveDeploymentGroupId, validateDeploymentInput } from './contracts/deployment.js';
import type { ErrorInformation } from './contracts/errors.js';
import { FailureType } from './contracts/errors.js';
import type { LoadBalancerTarget, SelectedTarget } from './contracts/hosts.js';
import { IN_PLACE_EVENTS, LIFECYCLE_EVENTS } from './contracts/lifecycle.js';
import { DEPLOYMENT_ID_PATTERN, hostWorkflowId } from './contracts/naming.js';
import { describeRevision, needsPinning, revisionIdentity } from './contracts/revision.js';
import { describeSelection } from './contracts/targets.js';
import type { TriggerEvent } from './contracts/triggers.js';
import { deploymentPayload, instancePayload } from './contracts/triggers.js';
import { Notifier } from './notifier.js';
import { rootCause } from './failures.js';
import { hostDeployment, type TrafficControl } from './host-deployment.js';
import { deploymentFinishedSignal, deploymentStatusQuery, proceedSignal, stopSignal } from './messages.js';
import { rollsBack } from './contracts/deployment-group.js';
import { GantrySearchAttributes } from './search-attributes.js';
import { InPlaceRollout, planInPlace, type InPlacePlan, type RolloutState } from './strategies/in-place.js';

const CONTROLLER_RETRY = {
  maximumAttempts: 5,
  nonRetryableErrorTypes: [FailureType.RevisionNotFound, FailureType.InvalidRevision, FailureType.DeploymentConfigNotFound],
};
const controller = proxyActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: CONTROLLER_RETRY });
/**
 * Queries and signals to Gantry's own entity workflows (catalog, registry): quick, idempotent calls,
 * run as local activities so each costs no task round trip through the server (about 30 ms of a
 * one-host deployment on two cores).
 */
const entities = proxyLocalActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: CONTROLLER_RETRY });

/** Hosts in flight at once in one run: well under Temporal's 2,000 pending children per workflow. */
const MAX_HOSTS_IN_FLIGHT = 500;
/** Children started per workflow task, so no single task completion carries thousands of commands. */
const STARTS_PER_TASK = 100;
/**
 * Past this many events the run stops starting hosts, lets those in flight finish (each adds about
 * two events) and continues as new, so every run stays well under Temporal's 10,240-event limit.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 6_000;
/** Failed targets whose failing event is kept in the summary (the rest: in their hostDeployment child). */
const FAILED_EVENTS_KEPT = 1_000;
const DEFAULT_TRAFFIC_TIMEOUT_SECONDS = 300;
const DEFAULT_ALARM_POLL_SECONDS = 10;

/** What one run of a deployment hands to the next when it continues as new. */
export interface DeploymentProgress {
  summary: DeploymentSummary;
  context: DeploymentContext;
  plan: InPlacePlan;
  rollout: RolloutState;
  /** Load balancer targets of the hosts, when the deployment controls traffic. */
  loadBalancerTargets?: Record<string, LoadBalancerTarget>;
  firstFailure: string;
  /** Host results not yet reported to the registry. */
  unreported: { succeeded: string[]; failed: string[] };
  runs: number;
}

/**
 * One deployment of one revision to one deployment group's hosts, in place, as the deployment
 * configuration allows. The workflow ID is the deployment ID. Completes with the final summary when
 * the deployment succeeds; fails with a typed failure (details: the summary) otherwise. `resumed` is
 * set only by continue-as-new.
 */
export async function deployment(input: DeploymentInput, resumed?: DeploymentProgress): Promise<DeploymentSummary> {
  if (!resumed) {
    const problems = validateDeploymentInput(input);
    // The deployment ID names directories on every host: only CodeDeploy's shape is accepted.
    if (!DEPLOYMENT_ID_PATTERN.test(workflowInfo().workflowId)) problems.unshift(`the workflow ID is the deployment ID and must look like d-XXXXXXXXX (d- and 9 upper-case letters or digits); got ${show(workflowInfo().workflowId)}`);
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
    if (!resumed) notifier.send('DeploymentStart', (name) => deploymentPayload(summary, name));
    const progress = resumed ?? (summary.stopRequested ? undefined : await prepare(input, summary, tracker, failed));
    const outcome = summary.stopRequested || !progress ? ({ kind: 'stopped' } as const) : await roll(input, progress, tracker, hosts, notifier);
    if (outcome.kind === 'stopped' && summary.stopRequested?.alarm) {
      throw failed(FailureType.AlarmActive, { code: 'ALARM_ACTIVE', message: `The deployment was stopped because ${summary.stopRequested.alarm}; hosts in flight were cancelled.` });
    }
    if (outcome.kind === 'stopped') {
      throw failed(FailureType.ManualStop, { code: 'MANUAL_STOP', message: `The deployment was stopped by request; hosts in flight were cancelled.${progress?.firstFailure ?? ''}` });
    }
    if (outcome.kind === 'failed') throw failed(FailureType.HealthConstraints, { code: 'HEALTH_CONSTRAINTS', message: `${outcome.message}${progress?.firstFailure}` });
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
  const wantsRollback =
    ended &&
    (summary.status === 'Failed' || summary.status === 'Stopped') &&
    ((summary.status === 'Stopped' && summary.stopRequested?.autoRollback === true) || rollsBack(group?.autoRollbackConfiguration, ending));
  if (wantsRollback) {
    if (!group) {
      summary.rollbackInfo = { rollbackMessage: 'No rollback: the deployment was not started by a deployment group, so there is no last successful revision to go back to.' };
    } else if (summary.creator === 'codeDeployRollback') {
      summary.rollbackInfo = { ...summary.rollbackInfo, rollbackMessage: 'No rollback: this deployment is itself a rollback.' };
    } else {
      const reason = `Automatic rollback after ${summary.deploymentId} ${summary.status === 'Stopped' ? 'was stopped' : 'failed'} (${summary.errorInformation?.code ?? summary.status})`;
      // (stoppedOnAlarm rolls back only as the group's DEPLOYMENT_STOP_ON_ALARM says; a stop request's autoRollback always does.)
      const answer = await controller.requestRollback({ groupWorkflowId: group.workflowId, request: { triggeringDeploymentId: summary.deploymentId, reason } });
      summary.rollbackInfo = 'refused' in answer ? { rollbackMessage: `No rollback: ${answer.refused}` } : { rollbackDeploymentId: answer.deploymentId, rollbackMessage: reason };
    }
  }
  const event: TriggerEvent = summary.status === 'Succeeded' ? 'DeploymentSuccess' : summary.status === 'Stopped' ? 'DeploymentStop' : 'DeploymentFailure';
  notifier.send(event, (name) => deploymentPayload(summary, name));
  if (summary.rollbackInfo?.rollbackDeploymentId) notifier.send('DeploymentRollback', (name) => deploymentPayload(summary, name));
  await notifier.flush();
  if (group) {
    const finished = { deploymentId: summary.deploymentId, status: ended ? summary.status : 'Failed', revision: summary.revision, completeTime: summary.completeTime ?? new Date().toISOString() } as const;
    await getExternalWorkflowHandle(group.workflowId).signal(deploymentFinishedSignal, finished).catch(() => undefined);
  }
}

function newSummary(input: DeploymentInput, deploymentId: string, startTime: Date): DeploymentSummary {
  return {
    deploymentId,
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: input.deploymentGroupId ?? deriveDeploymentGroupId(input.applicationName, input.deploymentGroupName),
    deploymentConfigName: input.deploymentConfig?.deploymentConfigName ?? findPredefinedConfig(input.deploymentConfigName)?.deploymentConfigName ?? input.deploymentConfigName ?? '',
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

/** Target lookups and overview counts kept in step, in O(1) per change (10,000 targets). */
class TargetTracker {
  private readonly byId = new Map<string, TargetSummary>();

  constructor(private readonly summary: DeploymentSummary) {
    for (const target of summary.targets) this.byId.set(target.targetId, target);
  }

  add(targets: TargetSummary[]): void {
    for (const target of targets) {
      this.summary.targets.push(target);
      this.byId.set(target.targetId, target);
      this.count(target.status, 1);
    }
  }

  get(hostId: string): TargetSummary {
    const target = this.byId.get(hostId);
    if (!target) throw new Error(`unknown target ${hostId}`);
    return target;
  }

  set(target: TargetSummary, status: TargetStatus): void {
    this.count(target.status, -1);
    target.status = status;
    target.lastUpdatedAt = new Date().toISOString();
    this.count(status, 1);
  }

  private count(status: TargetStatus, delta: number): void {
    const overview = this.summary.deploymentOverview;
    if (status in overview) overview[status as keyof typeof overview] += delta;
  }
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
    { key: GantrySearchAttributes.revision, value: describeRevision(input.revision) },
    { key: GantrySearchAttributes.status, value: 'InProgress' },
  ]);
  let config = input.deploymentConfig ?? findPredefinedConfig(input.deploymentConfigName);
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

  const context: DeploymentContext = {
    deploymentId: summary.deploymentId,
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: summary.deploymentGroupId,
    revision: input.revision,
    creator: summary.creator,
    fileExistsBehavior: input.fileExistsBehavior,
    ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false,
  };
  // Targets first, so a deployment that fails on its revision still lists them (Skipped).
  const selection = { targetHosts: input.targetHosts, tagFilters: input.tagFilters, tagSet: input.tagSet };
  const selected: SelectedTarget[] = await entities.selectTargets({ controllerTaskQueue, query: { deploymentGroupId: context.deploymentGroupId, selection } });
  tracker.add(selected.map((t) => ({ targetId: t.hostId, status: 'Pending', zone: t.zone })));
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
  const planned = planInPlace(config, selected, input.updateOutdatedInstancesOnly ? { skipHostsRunning: revisionKey } : {});
  if (!planned.ok) {
    const message = planned.code === 'NO_INSTANCES' ? `No host matches ${describeSelection(selection)}: are their agents registered with these tags?` : planned.message;
    throw failed(planned.code === 'NO_INSTANCES' ? FailureType.NoInstances : FailureType.HealthConstraintsInvalid, { code: planned.code, message });
  }
  for (const hostId of planned.plan.upToDate) tracker.set(tracker.get(hostId), 'Skipped');

  const progress: DeploymentProgress = {
    summary,
    context,
    plan: planned.plan,
    rollout: new InPlaceRollout(planned.plan).state,
    firstFailure: '',
    unreported: { succeeded: [], failed: [] },
    runs: 1,
  };
  if (input.loadBalancerInfo) {
    progress.loadBalancerTargets = Object.fromEntries(selected.filter((t) => t.loadBalancerTarget).map((t) => [t.hostId, t.loadBalancerTarget as LoadBalancerTarget]));
  }
  return progress;
}

/** Runs the plan: starts hosts as the rollout allows, records results, continues as new when long. */
async function roll(
  input: DeploymentInput,
  progress: DeploymentProgress,
  tracker: TargetTracker,
  hosts: CancellationScope,
  notifier: Notifier,
): Promise<{ kind: 'succeeded' | 'stopped' } | { kind: 'failed'; message: string }> {
  const rollout = new InPlaceRollout(progress.plan, progress.rollout);
  const { summary, context } = progress;
  const completions: HostDeploymentView[] = [];
  let starting = 0;
  let moreToStart = false;

  // CloudWatch alarms: polled before hosts start, between them, and during bakes.
  const alarms = input.alarmConfiguration?.enabled ? input.alarmConfiguration : undefined;
  const pollMs = (alarms?.pollIntervalSeconds ?? DEFAULT_ALARM_POLL_SECONDS) * 1000;
  let nextPoll = 0;
  const checkAlarms = async (): Promise<void> => {
    if (!alarms || summary.stopRequested || Date.now() < nextPoll) return;
    nextPoll = Date.now() + pollMs;
    let reason: string | undefined;
    try {
      const state = await controller.pollAlarms({ alarmNames: alarms.alarms.map((a) => a.name) });
      if (state.inAlarm.length > 0) reason = `alarm ${state.inAlarm.join(', ')} is in ALARM`;
      else if (state.missing.length > 0 && !alarms.ignorePollAlarmFailure) reason = `alarm ${state.missing.join(', ')} does not exist (ignorePollAlarmFailure is false)`;
    } catch (err) {
      const cause = rootCause(err);
      if (!alarms.ignorePollAlarmFailure) reason = `alarm states could not be read (${cause instanceof Error ? cause.message : String(cause)}; ignorePollAlarmFailure is false)`;
    }
    if (reason && !summary.stopRequested) {
      summary.stopRequested = { autoRollback: false, alarm: reason };
      hosts.cancel();
    }
  };
  /** Waits for `done` (or until `untilMs`), polling alarms when they are due. */
  const waitFor = async (done: () => boolean, untilMs?: number): Promise<void> => {
    for (;;) {
      const limits = [untilMs === undefined ? Infinity : untilMs - Date.now(), alarms && !summary.stopRequested ? nextPoll - Date.now() : Infinity];
      const wait = Math.min(...limits);
      if (wait === Infinity) return void (await condition(done));
      if (wait > 0 && (await condition(done, wait))) return;
      if (done() || (untilMs !== undefined && Date.now() >= untilMs)) return;
      await checkAlarms();
    }
  };

  const runHost = async (hostId: string): Promise<void> => {
    const target = tracker.get(hostId);
    tracker.set(target, 'InProgress');
    notifier.send('InstanceStart', (name) => instancePayload({ deploymentId: summary.deploymentId, targetId: hostId, status: 'InProgress', lastUpdatedAt: target.lastUpdatedAt, lifecycleEvents: [] }, name));
    completions.push(await hosts.run(() => deployHost(input, progress, hostId, () => (starting -= 1))));
  };
  const record = (host: HostDeploymentView): void => {
    const target = tracker.get(host.targetId);
    const ok = host.status === 'Succeeded';
    tracker.set(target, ok ? 'Succeeded' : 'Failed');
    rollout.finish(host.targetId, ok);
    (ok ? progress.unreported.succeeded : progress.unreported.failed).push(host.targetId);
    notifier.send(ok ? 'InstanceSuccess' : 'InstanceFailure', (name) => instancePayload(host, name));
    if (ok) return;
    const event = host.lifecycleEvents.find((e) => e.status === 'Failed' && !e.diagnostics?.message.endsWith('(ignored: ignoreApplicationStopFailures)'));
    if (!event) return;
    const diagnostics = { errorCode: event.diagnostics?.errorCode ?? 'UnknownError', scriptName: event.diagnostics?.scriptName, message: event.diagnostics?.message ?? '', logTail: '' };
    if (rollout.state.failed <= FAILED_EVENTS_KEPT) target.failedEvent = { lifecycleEventName: event.lifecycleEventName, diagnostics };
    if (!progress.firstFailure && !summary.stopRequested) progress.firstFailure = ` First failure: ${host.targetId}, ${event.lifecycleEventName}: ${diagnostics.errorCode}: ${diagnostics.message}`;
  };
  const report = async (deploymentSucceeded?: boolean): Promise<void> => {
    const { succeeded, failed } = progress.unreported;
    if (succeeded.length === 0 && failed.length === 0 && !deploymentSucceeded) return;
    const outcomes = { deploymentGroupId: context.deploymentGroupId, revision: revisionIdentity(context.revision), succeeded, failed, ...(deploymentSucceeded ? { deploymentSucceeded } : {}) };
    await entities.recordDeploymentOutcomes({ controllerTaskQueue: workflowInfo().taskQueue, outcomes });
    progress.unreported = { succeeded: [], failed: [] };
  };

  for (;;) {
    if (progress.plan.zonal) summary.currentZone = progress.plan.zones[rollout.state.zone]?.zone;
    for (let host = completions.shift(); host; host = completions.shift()) record(host);
    // Keep pending notification activities well under Temporal's 2,000 pending activities.
    if (notifier.backlog > 400) await notifier.flush();
    await checkAlarms();
    const stopping = summary.stopRequested !== undefined;
    if (stopping && rollout.state.inFlight.length === 0) {
      await report();
      return { kind: 'stopped' };
    }
    const draining = workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS || workflowInfo().continueAsNewSuggested;
    moreToStart = false;
    if (!draining && !stopping) {
      const limit = Math.min(MAX_HOSTS_IN_FLIGHT, rollout.state.inFlight.length + STARTS_PER_TASK);
      const hosts = rollout.startable(limit);
      starting += hosts.length;
      moreToStart = hosts.length === STARTS_PER_TASK;
      for (const hostId of hosts) void runHost(hostId);
    }
    const verdict = rollout.verdict();
    if (verdict.kind === 'succeeded' || verdict.kind === 'failed') {
      await report(verdict.kind === 'succeeded');
      return verdict;
    }
    if (verdict.kind === 'zoneDone') {
      // The bake ends early when the deployment is stopped (by request or by an alarm).
      if (verdict.monitorSeconds > 0) await waitFor(() => summary.stopRequested !== undefined, Date.now() + verdict.monitorSeconds * 1000);
      if (!summary.stopRequested) rollout.advanceZone();
      continue;
    }
    if (draining && rollout.state.inFlight.length === 0) {
      await report();
      await notifier.flush();
      progress.runs += 1;
      return continueAsNew<typeof deployment>(input, progress);
    }
    await waitFor(() => completions.length > 0 || (moreToStart && starting === 0) || (summary.stopRequested !== undefined && rollout.state.inFlight.length === 0));
  }
}

/** Runs one host's child workflow; a child that breaks (not a lifecycle failure) fails the host. */
async function deployHost(input: DeploymentInput, progress: DeploymentProgress, hostId: string, started: () => void): Promise<HostDeploymentView> {
  const context = progress.context;
  let trafficControl: TrafficControl | undefined;
  if (input.loadBalancerInfo) {
    trafficControl = {
      targetGroupNames: input.loadBalancerInfo.targetGroupInfoList.map((g) => g.name),
      target: progress.loadBalancerTargets?.[hostId],
      timeoutSeconds: input.loadBalancerInfo.trafficTimeoutSeconds ?? DEFAULT_TRAFFIC_TIMEOUT_SECONDS,
    };
  }
  const events = trafficControl ? [...LIFECYCLE_EVENTS] : [...IN_PLACE_EVENTS];
  try {
    const child = await startChild(hostDeployment, {
      workflowId: hostWorkflowId(context.deploymentId, hostId),
      args: [{ deployment: context, hostId, events, agentTimeouts: input.agentTimeouts, ...(trafficControl ? { trafficControl } : {}) }],
      // A host's child must not outlive its deployment.
      parentClosePolicy: ParentClosePolicy.TERMINATE,
    }).finally(started);
    return await child.result();
  } catch (err) {
    const cause = rootCause(err);
    const detail = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
    if (err instanceof ChildWorkflowFailure && isHostView(detail)) return detail;
    const message = cause instanceof Error ? cause.message : String(cause);
    return {
      deploymentId: context.deploymentId,
      targetId: hostId,
      status: 'Failed',
      lastUpdatedAt: new Date().toISOString(),
      lifecycleEvents: events.map((name, i) => ({
        lifecycleEventName: name,
        status: i === 0 ? 'Failed' : 'Skipped',
        ...(i === 0 ? { diagnostics: { errorCode: 'UnknownError' as const, message: `The host's deployment could not run: ${message}`, logTail: '' } } : {}),
      })),
    };
  }
}

function isHostView(value: unknown): value is HostDeploymentView {
  return typeof value === 'object' && value !== null && 'targetId' in value && 'lifecycleEvents' in value;
}
