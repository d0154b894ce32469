/** CodeDeploy's lifecycle events, in CodeDeploy's in-place order. */
export const LIFECYCLE_EVENTS = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];

/** Events a user may attach scripts to in appspec.yml `hooks`. */
export const HOOK_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

/** Events that run on the host agent (the rest, BlockTraffic and AllowTraffic, run in the controller). */
export const AGENT_EVENTS = [...HOOK_EVENTS, 'DownloadBundle', 'Install'] as const;
export type AgentEventName = (typeof AGENT_EVENTS)[number];

/** In-place deployment without a load balancer: ApplicationStop through ValidateService. */
export const IN_PLACE_EVENTS = LIFECYCLE_EVENTS.slice(
  LIFECYCLE_EVENTS.indexOf('ApplicationStop'),
  LIFECYCLE_EVENTS.indexOf('ValidateService') + 1,
) as readonly AgentEventName[];

/**
 * Events whose scripts come from the last revision installed on the host, not the one being deployed
 * (CodeDeploy runs them before the new revision is on the box). On a host's first deployment they are no-ops.
 */
export const PREVIOUS_REVISION_EVENTS: readonly HookEventName[] = ['ApplicationStop', 'BeforeBlockTraffic', 'AfterBlockTraffic'];

/** Which revision's AppSpec an event's scripts come from, when the current one is not on the host yet. */
export type ScriptRevision = 'current' | 'lastSuccessful' | 'mostRecent';

/**
 * The CodeDeploy agent's mapping (hook_executor.rb): ApplicationStop and the block-traffic hooks run
 * the last successful install's scripts. A blue/green rollback (creator codeDeployRollback) runs the
 * block-traffic hooks from the most recent download, on the replacement hosts leaving service, and
 * the allow-traffic hooks from the last successful install, on the original hosts coming back. The
 * substitution applies only while the current deployment's revision is not on the host.
 */
export function scriptRevisionFor(event: HookEventName, deployment: { creator?: string; deploymentType?: 'IN_PLACE' | 'BLUE_GREEN' }): ScriptRevision {
  if (deployment.creator === 'codeDeployRollback' && deployment.deploymentType === 'BLUE_GREEN') {
    if (event === 'BeforeBlockTraffic' || event === 'AfterBlockTraffic') return 'mostRecent';
    if (event === 'ApplicationStop' || event === 'BeforeAllowTraffic' || event === 'AfterAllowTraffic') return 'lastSuccessful';
    return 'current';
  }
  return (PREVIOUS_REVISION_EVENTS as readonly string[]).includes(event) ? 'lastSuccessful' : 'current';
}

/** What an event with no scripts in its revision reports, from the agent or the controller alike. */
export function noScriptsMessage(event: HookEventName): string {
  return `No scripts for ${event} (no-op)`;
}

export function isHookEvent(name: string): name is HookEventName {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

/** CodeDeploy's LifecycleErrorCode values, reported in each event's diagnostics. */
export const LIFECYCLE_ERROR_CODES = ['Success', 'ScriptMissing', 'ScriptNotExecutable', 'ScriptTimedOut', 'ScriptFailed', 'UnknownError'] as const;
export type LifecycleErrorCode = (typeof LIFECYCLE_ERROR_CODES)[number];

export type LifecycleEventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';

export interface Diagnostics {
  errorCode: LifecycleErrorCode;
  /** The script (AppSpec `location`) that failed or ran last, when scripts ran. */
  scriptName?: string;
  message: string;
  /** The last part (at least 4 KB) of the event's script output. */
  logTail: string;
}

export interface LifecycleEventView {
  lifecycleEventName: LifecycleEventName;
  status: LifecycleEventStatus;
  startTime?: string;
  endTime?: string;
  diagnostics?: Diagnostics;
}
