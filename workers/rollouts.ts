/**
 * Cross-region rollouts from the client side: start, read, list, approve, stop, pause and resume
 * them, and run them on Temporal Schedules.
 */
import { randomInt } from 'node:crypto';
import { type CalendarSpec, type Client, ScheduleNotFoundError, type ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { ApprovalRequest, RolloutInput, RolloutStopRequest, RolloutView } from '../workflows/contracts/rollout.js';
import { validateRolloutInput } from '../workflows/contracts/rollout.js';
import { CONTROLLER_TASK_QUEUE, SearchAttributeName, WorkflowType } from '../workflows/contracts/naming.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { approveUpdate, pauseSignal, resumeSignal, rolloutStatusQuery, rolloutStopSignal } from '../workflows/messages.js';
import { GantrySearchAttributes } from '../workflows/search-attributes.js';
import { readStatusView, refusalsAsUsageErrors, UsageError } from './deployments.js';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new rollout ID, e.g. r-7K2QX9M1B. */
export function newRolloutId(): string {
  let id = 'r-';
  for (let i = 0; i < 9; i += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function checked(input: RolloutInput): void {
  const problems = validateRolloutInput(input);
  if (problems.length > 0) throw new UsageError(`invalid rollout: ${joinProblems(problems)}`);
}

/** `create-rollout`: starts a `crossRegionRollout` on the controller queue; refused while another of the application runs. */
export async function startRollout(client: Client, input: RolloutInput, options: { taskQueue?: string; rolloutId?: string } = {}): Promise<string> {
  checked(input);
  const running = await listRollouts(client, { applicationName: input.applicationName, running: true });
  if (running.length > 0) throw new UsageError(`rollout ${running.map((r) => r.rolloutId).join(', ')} of ${input.applicationName} is running; two rollouts of an application never run at once`);
  const rolloutId = options.rolloutId ?? newRolloutId();
  await client.workflow.start(WorkflowType.crossRegionRollout, {
    workflowId: rolloutId,
    taskQueue: options.taskQueue ?? CONTROLLER_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: GantrySearchAttributes.application, value: input.applicationName },
      { key: GantrySearchAttributes.status, value: 'InProgress' },
    ],
    ...rolloutMetadata(input),
  });
  return rolloutId;
}

/** What the Temporal UI shows for a rollout: the application and its waves of regions. */
export function rolloutMetadata(input: RolloutInput): { staticSummary: string; staticDetails: string } {
  const waves = input.waves.map((w, i) => `**Wave ${i + 1}**${w.name ? ` (${w.name})` : ''} ${w.mode ?? 'SERIAL'}: ${w.regions.map((r) => `${r.region}/${r.deploymentGroupName}`).join(', ')}${w.approval ? ' · approval' : ''}${w.bakeSeconds ? ` · bake ${w.bakeSeconds}s` : ''}`);
  return { staticSummary: `Rollout of ${input.applicationName} to ${input.waves.reduce((n, w) => n + w.regions.length, 0)} regions in ${input.waves.length} waves`, staticDetails: [`**Application** ${input.applicationName}`, ...waves].map((line) => `- ${line}`).join('\n') };
}

/** `get-rollout`: the status query while it runs, its result (or failure's details) once it ended. */
export async function getRollout(client: Client, rolloutId: string): Promise<RolloutView> {
  return readStatusView(client, rolloutId, { workflowType: WorkflowType.crossRegionRollout, what: 'rollout', query: rolloutStatusQuery, is: (v): v is RolloutView => typeof v === 'object' && v !== null && 'rolloutId' in v && 'waves' in v });
}

/** `list-rollouts`: newest first, from visibility. */
export async function listRollouts(client: Client, filter: { applicationName?: string; running?: boolean } = {}): Promise<{ rolloutId: string; applicationName?: string; status?: string; startTime: string }[]> {
  const quote = (v: string): string => `'${v.replace(/'/g, "\\'")}'`;
  const clauses = [`WorkflowType = '${WorkflowType.crossRegionRollout}'`];
  if (filter.applicationName) clauses.push(`${SearchAttributeName.application} = ${quote(filter.applicationName)}`);
  if (filter.running) clauses.push(`ExecutionStatus = 'Running'`);
  const found = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
    found.push({ rolloutId: wf.workflowId, applicationName: wf.typedSearchAttributes.get(GantrySearchAttributes.application), status: wf.typedSearchAttributes.get(GantrySearchAttributes.status), startTime: wf.startTime.toISOString() });
  }
  return found;
}

/** `approve-rollout`: answers the gate the rollout waits at; refused, saying why, when it waits at none. */
export async function approveRollout(client: Client, rolloutId: string, request: ApprovalRequest): Promise<{ rolloutId: string; wave: number; approved: boolean }> {
  return refusalsAsUsageErrors(() => client.workflow.getHandle(rolloutId).executeUpdate(approveUpdate, { args: [request] }), `rollout ${rolloutId} does not exist or has ended`);
}

export async function stopRollout(client: Client, rolloutId: string, request: RolloutStopRequest = {}): Promise<void> {
  const view = await getRollout(client, rolloutId);
  if (view.completeTime) throw new UsageError(`rollout ${rolloutId} has already ended (${view.status}); there is nothing to stop`);
  await client.workflow.getHandle(rolloutId).signal(rolloutStopSignal, request);
}

export async function pauseRollout(client: Client, rolloutId: string, pause: boolean): Promise<void> {
  const view = await getRollout(client, rolloutId); // names a rollout that does not exist
  if (view.completeTime) throw new UsageError(`rollout ${rolloutId} has already ended (${view.status}); there is nothing to ${pause ? 'pause' : 'resume'}`);
  await client.workflow.getHandle(rolloutId).signal(pause ? pauseSignal : resumeSignal);
}

export interface RolloutScheduleOptions {
  scheduleId: string;
  input: RolloutInput;
  /** Cron expressions (`0 9 * * MON-FRI`) or intervals (`1h`), in `timeZone`. */
  cron?: string[];
  intervals?: string[];
  /** Temporal calendar specs (`{"dayOfWeek": "TUESDAY", "hour": 9}`), in `timeZone`. */
  calendars?: CalendarSpec[];
  timeZone?: string;
  /** What a start does while the last rollout of the schedule still runs (default SKIP). */
  overlap?: ScheduleOverlapPolicy;
  /** How far back missed starts are still made after downtime (default 1 minute: none are made up). */
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
  taskQueue?: string;
}

export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

/** `create-rollout-schedule`: a Temporal Schedule that starts the rollout. */
export async function createRolloutSchedule(client: Client, options: RolloutScheduleOptions): Promise<string> {
  checked(options.input);
  if (!options.cron?.length && !options.intervals?.length && !options.calendars?.length) throw new UsageError('a rollout schedule needs --cron EXPR, --calendar JSON or --interval DURATION');
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(options.scheduleId)) throw new UsageError(`--schedule-id must be 1-200 letters, digits, . _ -; got ${JSON.stringify(options.scheduleId)}`);
  if (options.overlap && !(OVERLAP_POLICIES as readonly string[]).includes(options.overlap)) throw new UsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}; got ${options.overlap}`);
  try {
    const handle = await client.schedule.create({
      scheduleId: options.scheduleId,
      spec: {
        ...(options.cron?.length ? { cronExpressions: options.cron } : {}),
        ...(options.calendars?.length ? { calendars: options.calendars } : {}),
        ...(options.intervals?.length ? { intervals: options.intervals.map((every) => ({ every: every as `${number}${'s' | 'm' | 'h' | 'd'}` })) } : {}),
        ...(options.timeZone ? { timezone: options.timeZone } : {}),
      },
      action: {
        type: 'startWorkflow',
        workflowType: WorkflowType.crossRegionRollout,
        workflowId: `rollout-${options.scheduleId}`,
        taskQueue: options.taskQueue ?? CONTROLLER_TASK_QUEUE,
        args: [options.input],
        typedSearchAttributes: [{ key: GantrySearchAttributes.application, value: options.input.applicationName }],
        ...rolloutMetadata(options.input),
      },
      policies: { overlap: options.overlap ?? 'SKIP', ...(options.catchupWindow ? { catchupWindow: options.catchupWindow as `${number}${'s' | 'm' | 'h' | 'd'}` } : {}) },
      state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
    });
    return handle.scheduleId;
  } catch (err) {
    if ((err as Error).name === 'ScheduleAlreadyRunning') throw new UsageError(`rollout schedule ${options.scheduleId} already exists`);
    throw new UsageError(`the rollout schedule could not be created: ${(err as Error).message}`);
  }
}

async function scheduleCall<T>(scheduleId: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`rollout schedule ${scheduleId} does not exist`);
    throw err;
  }
}

export async function describeRolloutSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription> {
  return scheduleCall(scheduleId, () => client.schedule.getHandle(scheduleId).describe());
}

export async function listRolloutSchedules(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of client.schedule.list()) if (schedule.action?.type === 'startWorkflow' && schedule.action.workflowType === WorkflowType.crossRegionRollout) ids.push(schedule.scheduleId);
  return ids.sort();
}

export async function pauseRolloutSchedule(client: Client, scheduleId: string, pause: boolean, note?: string): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  await scheduleCall(scheduleId, () => (pause ? handle.pause(note) : handle.unpause(note)));
}

/** Starts the schedule's rollout now (the overlap policy still applies). */
export async function triggerRolloutSchedule(client: Client, scheduleId: string, overlap?: ScheduleOverlapPolicy): Promise<void> {
  await scheduleCall(scheduleId, () => client.schedule.getHandle(scheduleId).trigger(overlap));
}

export async function deleteRolloutSchedule(client: Client, scheduleId: string): Promise<void> {
  await scheduleCall(scheduleId, () => client.schedule.getHandle(scheduleId).delete());
}
