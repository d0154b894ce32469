/** The agent's and the controller activities' metrics (workflows/contracts/metrics.ts names them). */
import { Context } from '@temporalio/activity';
import { Runtime } from '@temporalio/worker';
import { GantryMetric } from '../workflows/contracts/metrics.js';

/** The activity's meter (it tags the activity type and queue); a no-op outside an activity (unit tests). */
function activityMeter() {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}

export function countAlarmPoll(outcome: 'ok' | 'in_alarm' | 'missing' | 'error'): void {
  const { name, description } = GantryMetric.alarmPolls;
  activityMeter()?.createCounter(name, undefined, description).add(1, { outcome });
}

export function recordEventDuration(event: string, outcome: 'Succeeded' | 'Failed' | 'Cancelled', seconds: number): void {
  const { name, unit, description } = GantryMetric.eventDuration;
  activityMeter()?.createHistogram(name, 'float', unit, description).record(seconds, { event, outcome });
}

export function countRevisionBytes(revisionType: string, bytes: number): void {
  const { name, unit, description } = GantryMetric.revisionBytes;
  activityMeter()?.createCounter(name, unit, description).add(bytes, { revision_type: revisionType });
}

/** The host's events in flight: the runtime's meter, so the gauge is one series per agent (not one per event type). */
export function setEventsInFlight(count: number): void {
  if (!activityMeter()) return;
  const { name, description } = GantryMetric.eventsInFlight;
  Runtime.instance().metricMeter.createGauge(name, 'int', undefined, description).set(count);
}
