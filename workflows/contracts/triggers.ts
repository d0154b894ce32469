import type { DeploymentSummary, HostDeploymentView } from './deployment.js';
import { isRecord, show } from './values.js';

/** CodeDeploy's trigger event types (DeploymentReady and InstanceReady come from blue/green Ready waits). */
export const TRIGGER_EVENTS = [
  'DeploymentStart',
  'DeploymentSuccess',
  'DeploymentFailure',
  'DeploymentStop',
  'DeploymentRollback',
  'DeploymentReady',
  'InstanceStart',
  'InstanceSuccess',
  'InstanceFailure',
  'InstanceReady',
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

/** A webhook: CodeDeploy's TriggerConfig with an HTTP(S) URL where CodeDeploy has an SNS topic. */
export interface TriggerConfig {
  triggerName: string;
  triggerTargetUrl: string;
  triggerEvents: TriggerEvent[];
}

/** One notification to deliver: the activity adds region and account and POSTs it as JSON. */
export interface Notification {
  triggerName: string;
  url: string;
  event: TriggerEvent;
  payload: Record<string, unknown>;
}

const MAX_TRIGGERS = 10;

export function validateTriggers(triggers: unknown): string[] {
  if (!Array.isArray(triggers) || triggers.length > MAX_TRIGGERS) return [`triggerConfigurations must be a list of at most ${MAX_TRIGGERS} triggers`];
  const problems: string[] = [];
  triggers.forEach((trigger, i) => {
    const at = `triggerConfigurations[${i}]`;
    if (!isRecord(trigger)) {
      problems.push(`${at} must be {"triggerName", "triggerTargetUrl", "triggerEvents"}`);
      return;
    }
    if (typeof trigger.triggerName !== 'string' || trigger.triggerName.length === 0 || trigger.triggerName.length > 100) problems.push(`${at}.triggerName must be 1-100 characters`);
    let url: URL | undefined;
    try {
      url = new URL(String(trigger.triggerTargetUrl));
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) problems.push(`${at}.triggerTargetUrl must be an http(s) URL; got ${show(trigger.triggerTargetUrl)}`);
    if (!Array.isArray(trigger.triggerEvents) || trigger.triggerEvents.length === 0) {
      problems.push(`${at}.triggerEvents must list one or more of ${TRIGGER_EVENTS.join(', ')}`);
    } else {
      for (const event of trigger.triggerEvents) if (!(TRIGGER_EVENTS as readonly string[]).includes(event as string)) problems.push(`${at}.triggerEvents: ${show(event)} is not a trigger event`);
    }
  });
  return problems;
}

const epochSeconds = (iso?: string): string => (iso ? String(Math.floor(Date.parse(iso) / 1000)) : '');
const DEPLOYMENT_STATUS: Record<string, string> = { InProgress: 'CREATED', Succeeded: 'SUCCEEDED', Failed: 'FAILED', Stopped: 'STOPPED', Ready: 'READY', Queued: 'CREATED' };

/** A deployment notification shaped like CodeDeploy's (counts as strings, as CodeDeploy sends them). */
export function deploymentPayload(summary: DeploymentSummary, triggerName: string): Record<string, unknown> {
  const o = summary.deploymentOverview;
  return {
    eventTriggerName: triggerName,
    applicationName: summary.applicationName,
    deploymentId: summary.deploymentId,
    deploymentGroupName: summary.deploymentGroupName,
    createTime: summary.createTime,
    completeTime: summary.completeTime ?? '',
    deploymentOverview: { Failed: String(o.Failed), InProgress: String(o.InProgress), Pending: String(o.Pending), Skipped: String(o.Skipped), Succeeded: String(o.Succeeded) },
    status: DEPLOYMENT_STATUS[summary.status] ?? summary.status.toUpperCase(),
    ...(summary.errorInformation ? { errorInformation: { ErrorCode: summary.errorInformation.code, ErrorMessage: summary.errorInformation.message } } : {}),
    ...(summary.rollbackInfo ? { rollbackInformation: summary.rollbackInfo } : {}),
  };
}

/** An instance notification shaped like CodeDeploy's. */
export function instancePayload(host: Pick<HostDeploymentView, 'deploymentId' | 'targetId' | 'status' | 'lastUpdatedAt' | 'lifecycleEvents'>, triggerName: string): Record<string, unknown> {
  return {
    eventTriggerName: triggerName,
    deploymentId: host.deploymentId,
    instanceId: host.targetId,
    lastUpdatedAt: epochSeconds(host.lastUpdatedAt),
    instanceStatus: host.status,
    lifecycleEvents: host.lifecycleEvents.map((e) => ({ LifecycleEvent: e.lifecycleEventName, LifecycleEventStatus: e.status, StartTime: e.startTime ?? '', EndTime: e.endTime ?? '' })),
  };
}

/** The notifications one event causes under a set of triggers. */
export function notificationsFor(triggers: readonly TriggerConfig[] | undefined, event: TriggerEvent, payload: (triggerName: string) => Record<string, unknown>): Notification[] {
  return (triggers ?? []).filter((t) => t.triggerEvents.includes(event)).map((t) => ({ triggerName: t.triggerName, url: t.triggerTargetUrl, event, payload: payload(t.triggerName) }));
}
