import { ApplicationFailure, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AgentActivities } from './contracts/agent.js';
import type { AgentTimeouts, DeploymentContext, HostDeploymentView } from './contracts/deployment.js';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from './contracts/errors.js';
import type { AgentEventName, LifecycleEventView } from './contracts/lifecycle.js';
import { PREVIOUS_REVISION_EVENTS } from './contracts/lifecycle.js';
import { hostTaskQueue } from './contracts/naming.js';
import { diagnosticsOf, rootCause } from './failures.js';
import { hostProgressSignal, hostStatusQuery } from './messages.js';

export interface HostDeploymentInput {
  deployment: DeploymentContext;
  hostId: string;
  /** The agent-side lifecycle events to run, in order. */
  events: AgentEventName[];
  agentTimeouts?: AgentTimeouts;
}

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
export async function hostDeployment(input: HostDeploymentInput): Promise<HostDeploymentView> {
  const { deployment, hostId } = input;
  const timeouts = { ...DEFAULT_AGENT_TIMEOUTS, ...input.agentTimeouts };
  const agent = proxyActivities<AgentActivities>({
    taskQueue: hostTaskQueue(hostId),
    scheduleToStartTimeout: `${timeouts.scheduleToStartSeconds}s`,
    startToCloseTimeout: `${timeouts.eventSeconds}s`,
    heartbeatTimeout: `${timeouts.heartbeatSeconds}s`,
    retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES] },
  });

  const view: HostDeploymentView = {
    deploymentId: deployment.deploymentId,
    targetId: hostId,
    status: 'InProgress',
    lastUpdatedAt: new Date().toISOString(),
    lifecycleEvents: input.events.map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
  };
  setHandler(hostStatusQuery, () => view);

  const parentId = workflowInfo().parent?.workflowId;
  const report = (): void => {
    view.lastUpdatedAt = new Date().toISOString();
    if (!parentId) return;
    // Not awaited: progress reports must not slow the host down; a closed parent just drops them.
    getExternalWorkflowHandle(parentId)
      .signal(hostProgressSignal, structuredCloneView(view))
      .catch(() => undefined);
  };

  let failure: { type: string; message: string } | undefined;
  for (const event of view.lifecycleEvents) {
    const name = event.lifecycleEventName as AgentEventName;
    if (failure) {
      event.status = 'Skipped';
      continue;
    }
    event.status = 'InProgress';
    event.startTime = new Date().toISOString();
    report();
    try {
      const result = await agent[name]({ deployment, hostId });
      event.status = result.status;
      event.diagnostics = result.diagnostics;
    } catch (err) {
      event.status = 'Failed';
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
  }
  view.status = failure ? 'Failed' : 'Succeeded';
  report();
  if (failure) {
    throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true, details: [view] });
  }
  return view;
}

function structuredCloneView(view: HostDeploymentView): HostDeploymentView {
  return { ...view, lifecycleEvents: view.lifecycleEvents.map((e: LifecycleEventView) => ({ ...e })) };
}
