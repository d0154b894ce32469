import {
  ApplicationFailure,
  type CancellationScope,
  ChildWorkflowFailure,
  condition,
  ContinueAsNew,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { cloud, controller, entities } from './controller-proxies.js';
import type { DeploymentWaitType, ListenerWeight } from './contracts/blue-green.js';
import type { SelectedTarget } from './contracts/hosts.js';
import { isEc2InstanceId } from './contracts/naming.js';
import { continueUpdate, putHookStatusUpdate } from './messages.js';
import { validateHookStatusReport } from './contracts/lambda.js';
import { rollsBack } from './contracts/deployment-group.js';
import { GantrySearchAttributes } from './search-attributes.js';
import type { DeploymentInput, DeploymentSummary, HostDeploymentView } from './contracts/deployment.js';
import { usesTrafficControl } from './contracts/deployment.js';
import type { LifecycleEventName } from './contracts/lifecycle.js';
import { hostWorkflowId } from './contracts/naming.js';
import { revisionIdentity } from './contracts/revision.js';
import { deploymentPayload, instancePayload } from './contracts/triggers.js';
import type { DeploymentProgress } from './deployment.js';
import { rootCause, rootMessage } from './failures.js';
import { hostDeployment, type TrafficControl } from './host-deployment.js';
import type { Notifier } from './notifier.js';
import { strategyFor } from './strategies/index.js';
import type { StepFailureCode, StepResult, StrategyStep } from './strategies/strategy.js';
import type { TargetTracker } from './target-tracker.js';

/** Hosts in flight at once in one run: well under Temporal's 2,000 pending children per workflow. */
const MAX_HOSTS_IN_FLIGHT = 500;
/** Children started per workflow task, so no single task completion carries thousands of commands. */
const STARTS_PER_TASK = 100;
/**
 * Past this many events the run stops starting hosts, lets those in flight finish (each adds about
 * two events) and continues as new, so every run stays well under Temporal's 10,240-event limit.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 6_000;
/** patched() ID: long bakes continue as new instead of filling the history with alarm polls. */
const CHECKPOINTED_WAITS_PATCH = 'checkpointed-waits';
/** Failed targets whose failing event is kept in the summary (the rest: in their hostDeployment child). */
const FAILED_EVENTS_KEPT = 1_000;
const DEFAULT_TRAFFIC_TIMEOUT_SECONDS = 300;
const DEFAULT_ALARM_POLL_SECONDS = 10;
/** How long new instances' agents have to register (agentTimeouts.scheduleToStartSeconds overrides), and how often the registry is asked. */
const DEFAULT_REGISTRATION_WAIT_SECONDS = 300;
const REGISTRATION_POLL_MS = 2_000;


/**
 * Carries out a strategy's steps with Temporal primitives: hosts as child workflows, bakes as timers
 * (alarms polled before, between and during them), and continue-as-new when the history grows long.
 * Records the current step in the deployment's status. Knows no strategy: it asks the run for steps.
 */
export async function interpret(
  input: DeploymentInput,
  progress: DeploymentProgress,
  tracker: TargetTracker,
  hosts: CancellationScope,
  notifier: Notifier,
  continueAsNew: (progress: DeploymentProgress) => Promise<never>,
): Promise<{ kind: 'succeeded' | 'stopped' } | { kind: 'failed'; message: string; code?: StepFailureCode } | { kind: 'waitTimedOut'; message: string }> {
  const strategy = strategyFor(progress.strategy);
  const run = strategy.run(progress.plan, progress.rollout);
  const hostEvents = strategy.hostEvents({ trafficControl: usesTrafficControl(input) });
  progress.rollout = run.state;
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
      if (!alarms.ignorePollAlarmFailure) reason = `alarm states could not be read (${rootMessage(err)}; ignorePollAlarmFailure is false)`;
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

  const runHost = async (hostId: string, step: Extract<StrategyStep, { kind: 'deployHosts' }>): Promise<void> => {
    const target = tracker.get(hostId);
    const first = target.status === 'Pending';
    // A host's first child is <deploymentId>/<hostId>; a later phase's child adds the phase (phases lists them).
    const phase = target.phases !== undefined && step.phase ? step.phase : undefined;
    if (step.phase) target.phases = phase ? [...(target.phases ?? []), phase] : [];
    tracker.set(target, 'InProgress');
    if (first) notifier.send('InstanceStart', (name) => instancePayload({ deploymentId: summary.deploymentId, targetId: hostId, status: 'InProgress', lastUpdatedAt: target.lastUpdatedAt, lifecycleEvents: [] }, name));
    const events = step.events ?? hostEvents;
    completions.push(await hosts.run(() => deployHost(input, progress, hostId, events, () => (starting -= 1), phase, step.targetGroupNames)));
  };
  const record = (host: HostDeploymentView): void => {
    const target = tracker.get(host.targetId);
    const ok = host.status === 'Succeeded';
    const outcome = run.hostOutcome ? run.hostOutcome(host.targetId, ok) : (run.hostFinished(host.targetId, ok), { status: ok ? 'Succeeded' : 'Failed', report: true, final: true } as const);
    tracker.set(target, outcome.status);
    describeNow();
    if (outcome.report) (ok ? progress.unreported.succeeded : progress.unreported.failed).push(host.targetId);
    if (outcome.final || !ok) notifier.send(ok ? 'InstanceSuccess' : 'InstanceFailure', (name) => instancePayload(host, name));
    if (ok) return;
    const event = host.lifecycleEvents.find((e) => e.status === 'Failed' && !e.diagnostics?.message.endsWith('(ignored: ignoreApplicationStopFailures)'));
    if (!event) return;
    const diagnostics = { errorCode: event.diagnostics?.errorCode ?? 'UnknownError', scriptName: event.diagnostics?.scriptName, message: event.diagnostics?.message ?? '', logTail: '' };
    if (run.failed() <= FAILED_EVENTS_KEPT) target.failedEvent = { lifecycleEventName: event.lifecycleEventName, diagnostics };
    if (!progress.firstFailure && !summary.stopRequested) progress.firstFailure = ` First failure: ${host.targetId}, ${event.lifecycleEventName}: ${diagnostics.errorCode}: ${diagnostics.message}`;
  };
  const report = async (deploymentSucceeded?: boolean): Promise<void> => {
    const { succeeded, failed } = progress.unreported;
    // A strategy without hosts (Lambda) has nothing for the host registry.
    if (succeeded.length === 0 && failed.length === 0 && (!deploymentSucceeded || hostEvents.length === 0)) return;
    const outcomes = { deploymentGroupId: context.deploymentGroupId, revision: revisionIdentity(context.revision), succeeded, failed, ...(deploymentSucceeded ? { deploymentSucceeded } : {}) };
    await entities.recordDeploymentOutcomes({ controllerTaskQueue: workflowInfo().taskQueue, outcomes });
    progress.unreported = { succeeded: [], failed: [] };
  };

  /** The step the deployment is at, in its status (kept while it stays the same kind). */
  const at = (kind: NonNullable<DeploymentSummary['currentStep']>['kind'], detail?: string): void => {
    if (summary.currentStep?.kind === kind && summary.currentStep.detail === detail) return;
    summary.currentStep = { kind, ...(detail ? { detail } : {}), since: new Date().toISOString() };
    refreshView();
    describeNow();
  };
  /** The deployment's current details in the Temporal UI: its status, step and targets' counts. */
  const describeNow = (): void => {
    const o = summary.deploymentOverview;
    const step = summary.currentStep ? `${summary.currentStep.kind}${summary.currentStep.detail ? ` (${summary.currentStep.detail})` : ''}` : '';
    const weight = summary.lambda ? ` · target version weight ${Math.round(summary.lambda.targetVersionWeight * 100)}%` : '';
    setCurrentDetails(`**${summary.status}** · step ${step}${weight} · targets: ${o.Succeeded} succeeded, ${o.Failed} failed, ${o.InProgress} in progress, ${o.Pending} pending, ${o.Skipped} skipped${o.Ready ? `, ${o.Ready} ready` : ''}`);
  };
  /** The strategy's own part of the status; refreshed when the step changes, not on every host. */
  const refreshView = (): void => {
    if (run.view) Object.assign(summary, run.view());
  };

  // Blue/green waits: `continue` ends the one in progress (CodeDeploy's ContinueDeployment).
  let waiting: DeploymentWaitType | undefined;
  let continued = false;
  setHandler(
    continueUpdate,
    ({ deploymentWaitType }) => {
      continued = true;
      return { deploymentId: summary.deploymentId, deploymentWaitType };
    },
    {
      validator: (request) => {
        const type = request?.deploymentWaitType;
        if (type !== 'READY_WAIT' && type !== 'TERMINATION_WAIT') throw new Error(`deploymentWaitType must be READY_WAIT or TERMINATION_WAIT; got ${JSON.stringify(type)}`);
        if (progress.strategy !== 'BLUE_GREEN') throw new Error(`deployment ${summary.deploymentId} is not a blue/green deployment; continue applies only to blue/green waits`);
        if (!waiting || summary.stopRequested) throw new Error(`deployment ${summary.deploymentId} is not waiting (${summary.status}${summary.currentStep ? `, at ${summary.currentStep.kind}` : ''}); continue applies only while it waits for ${type}`);
        if (waiting !== type) throw new Error(`deployment ${summary.deploymentId} is in its ${waiting}, not its ${type}`);
      },
    },
  );
  // Lambda validation functions report here (CodeDeploy's PutLifecycleEventHookExecutionStatus).
  const hookExecutions = (progress.hookExecutions ??= {});
  setHandler(
    putHookStatusUpdate,
    ({ lifecycleEventHookExecutionId: id, status }) => {
      const execution = hookExecutions[id];
      if (execution) Object.assign(execution, { status, reportedAt: new Date().toISOString() });
      return { lifecycleEventHookExecutionId: id };
    },
    {
      validator: (report) => {
        const problems = validateHookStatusReport(report);
        if (problems.length > 0) throw new Error(problems.join('; '));
        const execution = hookExecutions[report.lifecycleEventHookExecutionId];
        if (!execution) throw new Error(`deployment ${summary.deploymentId} has no lifecycle event hook execution ${report.lifecycleEventHookExecutionId} (InvalidLifecycleEventHookExecutionId)`);
        if (execution.status !== 'InProgress') {
          throw new Error(`lifecycle event hook execution ${report.lifecycleEventHookExecutionId} (${execution.lifecycleEventName}) has already completed: ${execution.status}${execution.timedOut ? ', no status came in time' : ''} (LifecycleEventAlreadyCompleted)`);
        }
      },
    },
  );

  const setStatus = (status: 'Ready' | 'InProgress'): void => {
    summary.status = status;
    upsertSearchAttributes([{ key: GantrySearchAttributes.status, value: status }]);
  };

  /** Carries out a step of the deployment itself; a failed call fails the deployment, naming it. */
  const carryOut = async (step: Exclude<StrategyStep, { kind: 'deployHosts' | 'waitForHosts' | 'bake' | 'succeeded' | 'failed' | 'stopped' }>, resumedUntil?: number): Promise<StepResult | { failed: string }> => {
    at(step.kind, 'detail' in step ? step.detail : step.kind === 'waitForContinue' ? step.waitType : step.kind === 'invokeHook' ? `${step.lifecycleEventName} ${step.functionName}` : undefined);
    try {
      switch (step.kind) {
        case 'copyFleet':
          return { kind: 'copyFleet', fleet: await cloud.copyAutoScalingGroup({ sourceName: step.sourceName, copyName: step.copyName }) };
        case 'selectTargets': {
          const select = (): Promise<SelectedTarget[]> => entities.selectTargets({ controllerTaskQueue: workflowInfo().taskQueue, query: { deploymentGroupId: context.deploymentGroupId, selection: step.selection } });
          let selected = await select();
          if (step.waitForRegistration) {
            // New instances boot and start their agents: wait (bounded) until every one has registered.
            const until = Date.now() + (input.agentTimeouts?.scheduleToStartSeconds ?? DEFAULT_REGISTRATION_WAIT_SECONDS) * 1000;
            while (selected.some((t) => !t.registered) && Date.now() < until && !summary.stopRequested) {
              await waitFor(() => summary.stopRequested !== undefined, Math.min(until, Date.now() + REGISTRATION_POLL_MS));
              selected = await select();
            }
          }
          const known = selected.filter((t) => !tracker.has(t.hostId));
          tracker.add(known.map((t) => ({ targetId: t.hostId, status: 'Pending', zone: t.zone })));
          for (const t of selected) if (t.loadBalancerTarget) (progress.loadBalancerTargets ??= {})[t.hostId] = t.loadBalancerTarget;
          return { kind: 'selectTargets', targets: selected };
        }
        case 'readTraffic': {
          const read = await cloud.readTrafficWeights({ listenerArn: step.listenerArn });
          return { kind: 'readTraffic', weights: read.weights };
        }
        case 'moveTraffic':
          await cloud.setTrafficWeights({ listenerArn: step.listenerArn, weights: step.weights as ListenerWeight[] });
          return { kind: 'moveTraffic' };
        case 'waitForContinue': {
          waiting = step.waitType;
          continued = false;
          if (step.readyHosts && resumedUntil === undefined) {
            setStatus('Ready');
            for (const hostId of step.readyHosts) {
              const target = tracker.get(hostId);
              tracker.set(target, 'Ready');
              notifier.send('InstanceReady', (name) => instancePayload({ deploymentId: summary.deploymentId, targetId: hostId, status: 'Ready', lastUpdatedAt: target.lastUpdatedAt, lifecycleEvents: [] }, name));
            }
            notifier.send('DeploymentReady', (name) => deploymentPayload(summary, name));
          }
          await waitUntil(step, () => continued, resumedUntil ?? Date.now() + step.seconds * 1000, true);
          waiting = undefined;
          if (step.readyHosts && summary.status === 'Ready') setStatus('InProgress');
          return { kind: 'waitForContinue', timedOut: !continued && !summary.stopRequested };
        }
        case 'readLambdaRevision':
          return { kind: 'readLambdaRevision', resolution: await cloud.resolveLambdaRevision({ revision: context.revision }) };
        case 'routeAlias':
          await cloud.routeAlias({ functionName: step.functionName, alias: step.alias, routing: step.routing });
          return { kind: 'routeAlias', at: new Date().toISOString() };
        case 'invokeHook': {
          const id = step.lifecycleEventHookExecutionId;
          const execution = (hookExecutions[id] ??= { lifecycleEventName: step.lifecycleEventName, status: 'InProgress', startTime: new Date().toISOString() });
          const ended = (message: string): StepResult => ({ kind: 'invokeHook', status: execution.status === 'Succeeded' ? 'Succeeded' : 'Failed', message, startTime: execution.startTime, endTime: execution.reportedAt ?? new Date().toISOString() });
          if (resumedUntil === undefined) {
            try {
              await cloud.invokeLambdaHook({ functionName: step.functionName, deploymentId: summary.deploymentId, lifecycleEventHookExecutionId: id });
            } catch (err) {
              execution.status = 'Failed';
              return ended(`it could not be invoked: ${rootMessage(err)}`);
            }
          }
          await waitUntil(step, () => execution.status !== 'InProgress', resumedUntil ?? Date.now() + step.timeoutSeconds * 1000, true);
          if (execution.status === 'InProgress') {
            execution.status = 'Failed';
            if (summary.stopRequested) return ended('the deployment was stopped before it reported');
            execution.timedOut = true;
            return ended(`it reported no status within ${step.timeoutSeconds}s (lambdaHookTimeoutSeconds)`);
          }
          return ended(execution.status === 'Succeeded' ? 'it reported Succeeded' : 'it reported Failed');
        }
        case 'retireHosts': {
          if (step.keepAlive) return { kind: 'retireHosts', notTerminated: [] };
          if (step.autoScalingGroups) {
            await cloud.deleteAutoScalingGroups({ names: step.autoScalingGroups });
            return { kind: 'retireHosts', notTerminated: [] };
          }
          // A host is an instance by its ID or by its load balancer target; any other host cannot be terminated.
          const instanceOf = (hostId: string): string | undefined => [hostId, progress.loadBalancerTargets?.[hostId]?.id].find((id) => id !== undefined && isEc2InstanceId(id));
          const instanceIds = step.hostIds.map(instanceOf).filter((id): id is string => id !== undefined);
          if (instanceIds.length > 0) await cloud.terminateInstances({ instanceIds });
          return { kind: 'retireHosts', notTerminated: step.hostIds.filter((h) => instanceOf(h) === undefined) };
        }
      }
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err; // a long wait goes on in the next run
      return { failed: `${step.kind} failed: ${rootMessage(err)}` };
    }
  };
  /**
   * A stopped deployment's last steps, from the strategy (Lambda: the alias back on CurrentVersion
   * when the stop asks for a rollback, an alarm stopped it, or the group rolls back on such a stop).
   */
  const windDown = async (): Promise<void> => {
    if (!run.windDown || !summary.stopRequested) return;
    const { alarm, autoRollback } = summary.stopRequested;
    const rollback = alarm !== undefined || autoRollback === true || rollsBack(input.group?.autoRollbackConfiguration, 'stoppedOnRequest');
    const reason = alarm ? `the deployment was stopped because ${alarm}` : autoRollback ? 'the deployment was stopped with rollback' : 'the deployment was stopped (the group rolls back on DEPLOYMENT_STOP_ON_REQUEST)';
    for (const step of run.windDown({ rollback, reason })) {
      if (step.kind === 'deployHosts' || step.kind === 'waitForHosts' || step.kind === 'bake' || step.kind === 'succeeded' || step.kind === 'failed' || step.kind === 'stopped') continue;
      const answer = await carryOut(step);
      if ('failed' in answer) run.stepFailed?.(step, answer.failed);
      else run.stepDone?.(answer);
    }
    label();
  };
  const historyLong = (): boolean => workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS || workflowInfo().continueAsNewSuggested;
  /**
   * Waits until `done`, a stop, or `until`. Alarm polls add events all the while, so a wait long
   * enough to fill the history (a 48-hour Ready wait, a long bake) continues as new and the next run
   * resumes the same wait (progress.resumeWait). Runs that began before this replay as they ran: a
   * bake without the patch marker keeps waiting in the same run.
   */
  const waitUntil = async (step: StrategyStep, done: () => boolean, until: number, always: boolean): Promise<void> => {
    let declined = false;
    for (;;) {
      await waitFor(() => done() || summary.stopRequested !== undefined || (!declined && historyLong()), until);
      if (done() || summary.stopRequested || Date.now() >= until || !historyLong() || declined) return;
      if (!always && !patched(CHECKPOINTED_WAITS_PATCH)) {
        declined = true;
        continue;
      }
      progress.resumeWait = { step, until };
      await report();
      await notifier.flush();
      progress.runs += 1;
      await continueAsNew(progress);
    }
  };

  /** Each target's fleet, and the targets that are not hosts, as the strategy knows them. */
  const label = (): void => {
    for (const [hostId, fleet] of Object.entries(run.labels?.() ?? {})) if (tracker.has(hostId)) tracker.get(hostId).instanceLabel = fleet;
    for (const { targetId, status } of run.targets?.() ?? []) {
      if (!tracker.has(targetId)) tracker.add([{ targetId, status, deploymentTargetType: 'LambdaTarget' }]);
      else if (tracker.get(targetId).status !== status) tracker.set(tracker.get(targetId), status);
    }
  };
  label();

  // A wait that continued as new goes on here, until the same deadline.
  const resume = progress.resumeWait;
  progress.resumeWait = undefined;
  if (resume?.step.kind === 'bake') {
    await waitUntil(resume.step, () => false, resume.until, false);
    if (!summary.stopRequested) run.bakeFinished();
  } else if (resume?.step.kind === 'waitForContinue') {
    const answer = await carryOut(resume.step, resume.until);
    if (!('failed' in answer) && !summary.stopRequested) run.stepDone?.(answer);
  } else if (resume?.step.kind === 'invokeHook') {
    const answer = await carryOut(resume.step, resume.until);
    if (!('failed' in answer)) run.stepDone?.(answer);
    label();
  }

  for (;;) {
    const zone = run.zone();
    if (zone) summary.currentZone = zone.zone;
    for (let host = completions.shift(); host; host = completions.shift()) record(host);
    // Keep pending notification activities well under Temporal's 2,000 pending activities.
    if (notifier.backlog > 400) await notifier.flush();
    await checkAlarms();
    const stopping = summary.stopRequested !== undefined;
    if (stopping && run.inFlight() === 0) {
      await windDown();
      refreshView();
      await report();
      return { kind: 'stopped' };
    }
    const draining = workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS || workflowInfo().continueAsNewSuggested;
    moreToStart = false;
    // Nothing new starts while the run drains for continue-as-new or a stop is under way.
    const limit = draining || stopping ? 0 : Math.min(MAX_HOSTS_IN_FLIGHT, run.inFlight() + STARTS_PER_TASK);
    let step: StrategyStep = { kind: 'waitForHosts' };
    for (step of run.next(limit)) {
      if (step.kind !== 'deployHosts') break;
      starting += step.hostIds.length;
      moreToStart = step.hostIds.length === STARTS_PER_TASK;
      for (const hostId of step.hostIds) void runHost(hostId, step);
    }
    if (step.kind === 'succeeded' || step.kind === 'failed') {
      label();
      at(step.kind);
      await report(step.kind === 'succeeded');
      return step;
    }
    if (step.kind === 'stopped') {
      at('waitForContinue');
      await report();
      return { kind: 'waitTimedOut', message: step.message };
    }
    if (step.kind === 'bake') {
      at('bake', step.detail ? `${step.seconds}s, ${step.detail}` : `${step.seconds}s`);
      // The bake ends early when the deployment is stopped (by request or by an alarm).
      if (step.seconds > 0) await waitUntil(step, () => false, Date.now() + step.seconds * 1000, false);
      if (!summary.stopRequested) run.bakeFinished();
      continue;
    }
    if (step.kind !== 'deployHosts' && step.kind !== 'waitForHosts') {
      // A step of the deployment itself (not of its hosts): nothing of it starts once a stop is under way.
      if (stopping) {
        await waitFor(() => run.inFlight() === 0);
        continue;
      }
      const answer = await carryOut(step);
      if ('failed' in answer && run.stepFailed) {
        // The strategy may undo what it did before it fails (Lambda puts the alias back).
        run.stepFailed(step, answer.failed);
        label();
        continue;
      }
      if ('failed' in answer) {
        at('failed');
        await report();
        const code = step.kind === 'copyFleet' ? 'AUTO_SCALING' : step.kind === 'readTraffic' || step.kind === 'moveTraffic' ? 'TRAFFIC_CONTROL' : 'INTERNAL';
        return { kind: 'failed', message: answer.failed, code };
      }
      if (answer.kind === 'waitForContinue' && summary.stopRequested) continue;
      run.stepDone?.(answer);
      label();
      refreshView();
      continue;
    }
    at('deployHosts');
    if (draining && run.inFlight() === 0) {
      await report();
      await notifier.flush();
      progress.runs += 1;
      return continueAsNew(progress);
    }
    await waitFor(() => completions.length > 0 || (moreToStart && starting === 0) || (summary.stopRequested !== undefined && run.inFlight() === 0));
  }
}

/** Runs one host's child workflow; a child that breaks (not a lifecycle failure) fails the host. */
async function deployHost(
  input: DeploymentInput,
  progress: DeploymentProgress,
  hostId: string,
  events: LifecycleEventName[],
  started: () => void,
  phase?: string,
  targetGroupNames?: string[],
): Promise<HostDeploymentView> {
  const context = progress.context;
  let trafficControl: TrafficControl | undefined;
  if (input.loadBalancerInfo && usesTrafficControl(input)) {
    trafficControl = {
      targetGroupNames: targetGroupNames ?? (input.loadBalancerInfo.targetGroupInfoList ?? []).map((g) => g.name),
      target: progress.loadBalancerTargets?.[hostId],
      timeoutSeconds: input.loadBalancerInfo.trafficTimeoutSeconds ?? DEFAULT_TRAFFIC_TIMEOUT_SECONDS,
    };
  }
  try {
    const child = await startChild(hostDeployment, {
      workflowId: phase ? `${hostWorkflowId(context.deploymentId, hostId)}/${phase}` : hostWorkflowId(context.deploymentId, hostId),
      args: [{ deployment: context, hostId, events, agentTimeouts: input.agentTimeouts, ...(trafficControl ? { trafficControl } : {}) }],
      // A host's child must not outlive its deployment.
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      staticSummary: `${hostId}${phase ? ` · ${phase}` : ''} · ${context.applicationName}/${context.deploymentGroupName} · ${context.deploymentId}`,
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
