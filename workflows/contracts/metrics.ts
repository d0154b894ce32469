/**
 * Gantry's own metrics (beside Temporal's `temporal_*`), served with them by `--metrics-listen`.
 * Declared once: the workflows, the activities and the README's table all read this list. Names as
 * scraped: counters end in `_total`, durations in `_seconds`.
 */
export const GantryMetric = {
  deploymentsStarted: { name: 'gantry_deployments_started', kind: 'counter', process: 'controller', tags: ['compute_platform', 'strategy'], description: 'Deployments that began (after validation and any queueing)' },
  deploymentsFinished: { name: 'gantry_deployments_finished', kind: 'counter', process: 'controller', tags: ['compute_platform', 'status'], description: 'Deployments that ended, by status (Succeeded, Failed, Stopped)' },
  alarmPolls: { name: 'gantry_alarm_polls', kind: 'counter', process: 'controller', tags: ['outcome'], description: 'CloudWatch alarm polls, by outcome (ok, in_alarm, missing, error)' },
  eventsInFlight: { name: 'gantry_lifecycle_events_in_flight', kind: 'gauge', process: 'agent', tags: [], description: "Lifecycle events running on the agent's host now (summed over agents: hosts in flight)" },
  eventDuration: { name: 'gantry_lifecycle_event_duration', kind: 'histogram', unit: 'seconds', process: 'agent', tags: ['event', 'outcome'], description: 'How long each lifecycle event ran on the host, by event and outcome (Succeeded, Failed, Cancelled)' },
  revisionBytes: { name: 'gantry_revision_bytes_downloaded', kind: 'counter', unit: 'bytes', process: 'agent', tags: ['revision_type'], description: 'Revision bytes fetched and extracted, by revision type (S3, GitHub, URL, Local)' },
} as const;

/** The strategy a deployment runs, as the `strategy` tag says it. */
export function strategyTag(input: { computePlatform?: string; deploymentStyle?: { deploymentType?: string } }): string {
  if (input.computePlatform === 'Lambda') return 'lambda';
  return input.deploymentStyle?.deploymentType === 'BLUE_GREEN' ? 'blue_green' : 'in_place';
}
