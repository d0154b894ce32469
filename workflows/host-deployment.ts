import { ActivityCancellationType, type ActivityOptions, ApplicationFailure, CancellationScope, isCancellation as isCancellationError, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { AgentActivities, LifecycleEventResult } from './contracts/agent.js';
import type { ControllerActivities } from './contracts/controller.js';
import type { AgentTimeouts, DeploymentContext, HostDeploymentView } from './contracts/deployment.js';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from './contracts/errors.js';
import type { LoadBalancerTarget } from './contracts/hosts.js';
import type { AgentEventName, LifecycleEventName } from './contracts/lifecycle.js';
import { isHookEvent, PREVIOUS_REVISION_EVENTS } from './contracts/lifecycle.js';
import { hostTaskQueue } from './contracts/naming.js';
import { diagnosticsOf, rootCause } from './failures.js';
import { hostStatusQuery } from './messages.js';

/** In-place with a load balancer: where the host is registered, and how long to wait on the LB. */
export interface TrafficControl {
  targetGroupNames: string[];
  /** From the host's registration; a host without one fails BlockTraffic, saying so. */
  target?: LoadBalancerTarget;
  timeoutSeconds: number;
}

export interface HostDeploymentInput {
  deployment: DeploymentContext;
  hostId: string;
  /** The lifecycle events to run, in order: agent events on the host's queue, BlockTraffic/AllowTraffic in the controller. */
  events: LifecycleEventName[];
  agentTimeouts?: AgentTimeouts;
  trafficControl?: TrafficControl;
}

/**
 * patched() marker: hook events without scripts, after DownloadBundle said which have them, are
 * answered by the controller as local activities instead of activities on the agent's queue.
 */
export const SCRIPTLESS_EVENTS_PATCH = 'scriptless-events-answered-by-controller';

export const DEFAULT_AGENT_TIMEOUTS: Required<AgentTimeouts> = {
  scheduleToStartSeconds: 300,
  heartbeatSeconds: 20,
  eventSeconds: 8 * 3600,
};

/**
 * Runs one host's lifecycle events in order as activities on the host's own task queue. Completes with
 * the host's view when every event succeeded; fails (type = the failing event's failure type, first
 * detail = the host's view) otherwise, so failed hosts stand out in the Temporal UI.
 */
/** A stop reached the event: the activity was cancelled, or its agent reported the cancellation. */
function isCancellation(err: unknown): boolean {
  if (isCancellationError(err)) return true;
  const cause = rootCause(err);
  return cause instanceof ApplicationFailure && cause.type === FailureType.EventCancelled && isCancellationRequested();
}

function isCancellationRequested(): boolean {
  return CancellationScope.current().consideredCancelled;
}

export async function hostDeployment(input: HostDeploymentInput): Promise<HostDeploymentView> {
  const { deployment, hostId } = input;
  const timeouts = { ...DEFAULT_AGENT_TIMEOUTS, ...input.agentTimeouts };
  const agentOptions: ActivityOptions = {
    taskQueue: hostTaskQueue(hostId),
    scheduleToStartTimeout: `${timeouts.scheduleToStartSeconds}s`,
    startToCloseTimeout: `${timeouts.eventSeconds}s`,
    heartbeatTimeout: `${timeouts.heartbeatSeconds}s`,
    // A stop waits until the agent has actually killed the event's hooks.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // One attempt: an agent that stops heartbeating (host or agent died) or never picks the event up
    // fails the host at once, as CodeDeploy would; every failure the agent itself reports is typed.
    retry: { maximumAttempts: 1 },
  };
  const agent = proxyActivities<AgentActivities>(agentOptions);

  const controllerOptions: ActivityOptions = {
    startToCloseTimeout: `${(input.trafficControl?.timeoutSeconds ?? 300) + 60}s`,
    heartbeatTimeout: '30s',
    retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES] },
  };
  const controller = proxyActivities<ControllerActivities>(controllerOptions);
  const localOptions = { startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } };
  const local = proxyLocalActivities<ControllerActivities>(localOptions);
  /** Set from DownloadBundle's result: the hooks this revision has scripts for (later hook events read this revision). */
  let scriptedEvents: readonly string[] | undefined;
  // Each event's activity carries a summary, so the Temporal UI's timeline reads like CodeDeploy's events.
  const summary = (name: LifecycleEventName): string => `${name} on ${hostId} (${deployment.deploymentId})`;
  const runEvent = async (name: LifecycleEventName): Promise<LifecycleEventResult> => {
    if (scriptedEvents && isHookEvent(name) && !scriptedEvents.includes(name)) {
      return local.answerScriptlessEvent.executeWithOptions({ ...localOptions, summary: `${summary(name)}: no scripts in this revision` }, [{ event: name, hostId, deploymentId: deployment.deploymentId }]);
    }
    if (name !== 'BlockTraffic' && name !== 'AllowTraffic') {
      const result = await agent[name as AgentEventName].executeWithOptions({ ...agentOptions, summary: summary(name) }, [{ deployment, hostId }]);
      if (name === 'DownloadBundle' && result.scriptedEvents && patched(SCRIPTLESS_EVENTS_PATCH)) scriptedEvents = result.scriptedEvents;
      return result;
    }
    const traffic = input.trafficControl;
    if (!traffic?.target) {
      throw ApplicationFailure.create({
        type: FailureType.TrafficControlFailed,
        message: `${hostId} has no load balancer target: start its agent with --elb-target <instance ID or IP>[:port]`,
        nonRetryable: true,
      });
    }
    const result = await controller[name].executeWithOptions({ ...controllerOptions, summary: `${summary(name)}: ${traffic.targetGroupNames.join(', ')}` }, [{ action: name, hostId, target: traffic.target, targetGroupNames: traffic.targetGroupNames, timeoutSeconds: traffic.timeoutSeconds }]);
    const message = `${name === 'BlockTraffic' ? 'Deregistered from' : 'Registered and healthy in'} ${result.targetGroups.join(', ')} after ${result.seconds.toFixed(1)}s`;
    return { status: 'Succeeded', diagnostics: { errorCode: 'Success', message, logTail: '' } };
  };

  const view: HostDeploymentView = {
    deploymentId: deployment.deploymentId,
    targetId: hostId,
    status: 'InProgress',
    lastUpdatedAt: new Date().toISOString(),
    lifecycleEvents: input.events.map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
  };
  setHandler(hostStatusQuery, () => view);

  let failure: { type: string; message: string } | undefined;
  for (const event of view.lifecycleEvents) {
    const name = event.lifecycleEventName;
    if (failure || isCancellationRequested()) {
      event.status = 'Skipped';
      continue;
    }
    event.status = 'InProgress';
    event.startTime = new Date().toISOString();
    const done = view.lifecycleEvents.filter((e) => e.status === 'Succeeded').length;
    setCurrentDetails(`**${hostId}** · ${name} in progress · ${done} of ${view.lifecycleEvents.length} events done · deployment ${deployment.deploymentId}`);
    view.lastUpdatedAt = event.startTime;
    try {
      const result = await runEvent(name);
      event.status = result.status;
      event.diagnostics = result.diagnostics;
    } catch (err) {
      event.status = 'Failed';
      if (isCancellation(err)) {
        // The deployment was stopped: the event's hooks were killed; nothing after it runs.
        event.diagnostics = { errorCode: 'UnknownError', message: 'Cancelled: the deployment was stopped while this event ran; its scripts were stopped.', logTail: '' };
        failure = { type: FailureType.EventCancelled, message: `${name} was cancelled on ${hostId}: the deployment was stopped` };
        event.endTime = new Date().toISOString();
        continue;
      }
      event.diagnostics = diagnosticsOf(err);
      const ignorable = deployment.ignoreApplicationStopFailures && (PREVIOUS_REVISION_EVENTS as readonly string[]).includes(name);
      if (ignorable) {
        event.diagnostics = { ...event.diagnostics, message: `${event.diagnostics.message} (ignored: ignoreApplicationStopFailures)` };
      } else {
        const cause = rootCause(err);
        failure = {
          type: cause instanceof ApplicationFailure && cause.type ? cause.type : FailureType.InstallFailed,
          message: `${name} failed on ${hostId}: ${event.diagnostics.message}`,
        };
      }
    }
    event.endTime = new Date().toISOString();
    view.lastUpdatedAt = event.endTime;
  }
  view.status = failure ? 'Failed' : 'Succeeded';
  setCurrentDetails(`**${hostId}** · ${failure ? `Failed: ${failure.message}` : 'Succeeded'} · deployment ${deployment.deploymentId}`);
  if (!failure && view.lifecycleEvents.some((e) => e.status === 'Skipped')) {
    // Stopped between two events: nothing failed, but the host did not get the revision.
    view.status = 'Failed';
    failure = { type: FailureType.EventCancelled, message: `the deployment was stopped before ${hostId} finished` };
  }
  if (failure) {
    throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true, details: [view] });
  }
  return view;
}
