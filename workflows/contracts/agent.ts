import type { DeploymentContext } from './deployment.js';
import type { AgentEventName, Diagnostics, HookEventName, LifecycleEventStatus } from './lifecycle.js';

/** Input of every agent activity. */
export interface LifecycleEventInput {
  deployment: DeploymentContext;
  hostId: string;
}

/** Result of an agent activity that completed (failures are thrown as typed ApplicationFailures). */
export interface LifecycleEventResult {
  status: Extract<LifecycleEventStatus, 'Succeeded' | 'Skipped'>;
  diagnostics: Diagnostics;
  /**
   * DownloadBundle only: the hook events the revision's AppSpec gives scripts. Every later hook event
   * runs this revision's scripts, so the controller answers those without scripts itself
   * (answerScriptlessEvent) instead of a round trip to the agent.
   */
  scriptedEvents?: HookEventName[];
}

/**
 * Activities served by each host agent on its queue `gantry-host-<hostId>`. The activity type is the
 * CodeDeploy lifecycle event name, so the Temporal UI shows the events by their usual names.
 * A failing event throws an ApplicationFailure whose type is a FailureType and whose first detail
 * is the event's Diagnostics.
 */
export type AgentActivities = {
  [E in AgentEventName]: (input: LifecycleEventInput) => Promise<LifecycleEventResult>;
};
