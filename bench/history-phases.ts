import type { temporal } from '@temporalio/proto';
import proto from '@temporalio/proto';
import { median } from './measure.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = proto.temporal.api.enums.v1.EventType;

/** Where one host's lifecycle events spend their time, from its workflow's history (milliseconds, medians over events). */
export interface EventPhases {
  events: number;
  /** Workflow tasks in the host's run (each a server round trip to the controller's worker). */
  workflowTasks: number;
  /** The workflow task that schedules the event: from its scheduling until it started on the controller. */
  workflowTaskDispatchMs: number;
  /** The same task, started until completed: the controller's worker deciding the next event. */
  workflowTaskMs: number;
  /** The activity, scheduled until the agent started it: the server's dispatch to the host's queue. */
  activityDispatchMs: number;
  /** The activity, started until completed: the agent's work, scripts included, and its report. */
  activityMs: number;
  /** The previous activity's completion until the next one's scheduling: the whole round trip between events. */
  betweenEventsMs: number;
}

const millis = (event: HistoryEvent): number => {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
};

/** Splits a host workflow's history into its per-event phases. */
export function eventPhases(history: { events?: HistoryEvent[] | null }): EventPhases {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const phases = { workflowTaskDispatch: [] as number[], workflowTask: [] as number[], activityDispatch: [] as number[], activity: [] as number[], between: [] as number[] };
  let lastCompleted: number | undefined;
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const decided = byId.get(Number(event.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId));
      const started = decided && byId.get(Number(decided.workflowTaskCompletedEventAttributes?.startedEventId));
      const scheduled = started && byId.get(Number(started.workflowTaskStartedEventAttributes?.scheduledEventId));
      if (decided && started && scheduled) {
        phases.workflowTaskDispatch.push(millis(started) - millis(scheduled));
        phases.workflowTask.push(millis(decided) - millis(started));
      }
      if (lastCompleted !== undefined) phases.between.push(millis(event) - lastCompleted);
    }
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const attributes = event.activityTaskCompletedEventAttributes;
      const scheduled = byId.get(Number(attributes?.scheduledEventId));
      const started = byId.get(Number(attributes?.startedEventId));
      if (scheduled && started) {
        phases.activityDispatch.push(millis(started) - millis(scheduled));
        phases.activity.push(millis(event) - millis(started));
      }
      lastCompleted = millis(event);
    }
  }
  const med = (values: number[]): number => (values.length ? median(values) : NaN);
  return {
    events: phases.activity.length,
    workflowTasks: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    workflowTaskDispatchMs: med(phases.workflowTaskDispatch),
    workflowTaskMs: med(phases.workflowTask),
    activityDispatchMs: med(phases.activityDispatch),
    activityMs: med(phases.activity),
    betweenEventsMs: med(phases.between),
  };
}

/** A history as lines of milliseconds since its first event, event type, and the activity or marker it names. */
export function timeline(label: string, history: { events?: HistoryEvent[] | null }): string {
  const events = history.events ?? [];
  const start = events[0] ? millis(events[0]) : 0;
  return events
    .map((e) => {
      const what = e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.markerRecordedEventAttributes?.markerName ?? '';
      return `${label} ${(millis(e) - start).toFixed(1).padStart(8)} ms ${EventType[e.eventType as number]?.replace('EVENT_TYPE_', '') ?? e.eventType} ${what}`;
    })
    .join('\n');
}
