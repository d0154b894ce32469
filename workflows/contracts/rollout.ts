/**
 * Cross-region rollouts: one revision rolled out region by region, in waves (each serial or
 * parallel), each region's deployment run by that region's own controller through its deployment
 * group. The input, its checks, the deployment window, the view in `status`, and the pure state
 * machine the `crossRegionRollout` workflow carries out.
 */
import type { RevisionLocation } from './revision.js';
import { validateRevision } from './revision.js';
import { NAME_PATTERN, REGION_PATTERN, regionTaskQueue } from './naming.js';
import { isRecord, show } from './values.js';

export const ROLLOUT_MODES = ['SERIAL', 'PARALLEL'] as const;
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** At most a week for an approval, two days of bake after a wave. */
export const MAX_APPROVAL_SECONDS = 7 * 86_400;
export const MAX_BAKE_SECONDS = 2 * 86_400;
const MAX_WAVES = 20;
const MAX_REGIONS = 50;

export interface RolloutRegion {
  /** The AWS region; its controller serves `gantry-<region>` unless taskQueue says otherwise. */
  region: string;
  taskQueue?: string;
  /** The region's deployment group (of the rollout's application), which runs the deployment. */
  deploymentGroupName: string;
  /** The region's own revision (CodeDeploy needs a bucket in each region). */
  revision: RevisionLocation;
  deploymentConfigName?: string;
  /** CloudWatch alarms in the region, checked after the wave's bake. */
  alarms?: string[];
}

export interface ApprovalGate {
  /** How long the gate waits for approve-rollout. */
  timeoutSeconds: number;
  /** What a timeout does: REJECT (the default: the rollout stops) or APPROVE. */
  onTimeout?: 'REJECT' | 'APPROVE';
}

export interface RolloutWave {
  name?: string;
  /** SERIAL (the default): one region after another; PARALLEL: all at once. */
  mode?: (typeof ROLLOUT_MODES)[number];
  regions: RolloutRegion[];
  /** Wait after the wave succeeded, then check its regions' alarms. */
  bakeSeconds?: number;
  /** A person approves before this wave starts. */
  approval?: ApprovalGate;
}

/** When a rollout may start: days and hours in a time zone. */
export interface DeploymentWindow {
  timeZone: string;
  days?: Weekday[];
  /** HH:MM, inclusive. */
  start: string;
  /** HH:MM, exclusive; before start means the window runs past midnight. */
  end: string;
}

/** Input of the `crossRegionRollout` workflow (`gantry create-rollout`, `temporal workflow start`, Schedules). */
export interface RolloutInput {
  applicationName: string;
  description?: string;
  waves: RolloutWave[];
  /** On a failure, roll back the regions already done, newest first (each through its group). */
  rollbackOnFailure?: boolean;
  window?: DeploymentWindow;
  /** Dates (YYYY-MM-DD, in the window's time zone, else UTC) on which a rollout may not start. */
  blackoutDates?: string[];
}

export type RegionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped' | 'Skipped';
export type RolloutStatus = 'InProgress' | 'Paused' | 'AwaitingApproval' | 'Baking' | 'RollingBack' | 'Succeeded' | 'Failed' | 'Stopped' | 'Refused';

export interface RegionView {
  region: string;
  taskQueue: string;
  deploymentGroupName: string;
  status: RegionStatus;
  deploymentId?: string;
  message?: string;
  rollback?: { deploymentId?: string; status: 'InProgress' | 'Succeeded' | 'Failed' | 'Refused'; message?: string };
}

export interface WaveView {
  index: number;
  name?: string;
  mode: (typeof ROLLOUT_MODES)[number];
  status: 'Pending' | 'AwaitingApproval' | 'InProgress' | 'Baking' | 'Succeeded' | 'Failed' | 'Stopped' | 'Skipped';
  regions: RegionView[];
  approval?: { status: 'Pending' | 'Approved' | 'Rejected' | 'TimedOut'; approver?: string; comment?: string; at?: string; timeoutSeconds: number };
  bakeSeconds?: number;
}

/** Query `status` on `crossRegionRollout`. */
export interface RolloutView {
  rolloutId: string;
  applicationName: string;
  description?: string;
  status: RolloutStatus;
  createTime: string;
  completeTime?: string;
  currentWave?: number;
  waves: WaveView[];
  paused: boolean;
  message?: string;
}

/** Update `approve` on `crossRegionRollout`. */
export interface ApprovalRequest {
  approver: string;
  /** Default true; false rejects (the rollout stops). */
  approved?: boolean;
  comment?: string;
}

/** Signal `stop` on `crossRegionRollout`. */
export interface RolloutStopRequest {
  /** Roll back the regions already done, newest first. */
  rollback?: boolean;
  reason?: string;
}

export function taskQueueOfRegion(region: Pick<RolloutRegion, 'region' | 'taskQueue'>): string {
  return region.taskQueue ?? regionTaskQueue(region.region);
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a rollout input; one message per problem, each naming the field. */
export function validateRolloutInput(input: unknown): string[] {
  if (!isRecord(input)) return [`the rollout must be a JSON object with applicationName and waves; got ${show(input)}`];
  const problems: string[] = [];
  if (typeof input.applicationName !== 'string' || !NAME_PATTERN.test(input.applicationName)) problems.push(`applicationName must be 1-100 characters of letters, digits and . _ + = , @ -; got ${show(input.applicationName)}`);
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 256)) problems.push('description must be a string of at most 256 characters');
  if (input.rollbackOnFailure !== undefined && typeof input.rollbackOnFailure !== 'boolean') problems.push(`rollbackOnFailure must be true or false; got ${show(input.rollbackOnFailure)}`);
  const waves = input.waves;
  if (!Array.isArray(waves) || waves.length === 0 || waves.length > MAX_WAVES) return [...problems, `waves must list 1-${MAX_WAVES} waves of regions; got ${show(waves)}`];
  const seen = new Set<string>();
  let regions = 0;
  waves.forEach((wave: unknown, w) => {
    const at = `waves[${w}]`;
    if (!isRecord(wave)) return void problems.push(`${at} must be {"regions": [...], "mode": "SERIAL"|"PARALLEL", …}; got ${show(wave)}`);
    if (wave.mode !== undefined && !(ROLLOUT_MODES as readonly unknown[]).includes(wave.mode)) problems.push(`${at}.mode must be SERIAL or PARALLEL; got ${show(wave.mode)}`);
    if (wave.name !== undefined && (typeof wave.name !== 'string' || wave.name.length > 100)) problems.push(`${at}.name must be a string of at most 100 characters`);
    const bake = wave.bakeSeconds;
    if (bake !== undefined && (typeof bake !== 'number' || !Number.isInteger(bake) || bake < 0 || bake > MAX_BAKE_SECONDS)) problems.push(`${at}.bakeSeconds must be a whole number of seconds from 0 to ${MAX_BAKE_SECONDS}; got ${show(bake)}`);
    const gate = wave.approval;
    if (gate !== undefined) {
      if (!isRecord(gate) || typeof gate.timeoutSeconds !== 'number' || !Number.isInteger(gate.timeoutSeconds) || gate.timeoutSeconds < 1 || gate.timeoutSeconds > MAX_APPROVAL_SECONDS) {
        problems.push(`${at}.approval must be {"timeoutSeconds": 1-${MAX_APPROVAL_SECONDS}, "onTimeout": "REJECT"|"APPROVE"}; got ${show(gate)}`);
      } else if (gate.onTimeout !== undefined && gate.onTimeout !== 'REJECT' && gate.onTimeout !== 'APPROVE') {
        problems.push(`${at}.approval.onTimeout must be REJECT or APPROVE; got ${show(gate.onTimeout)}`);
      }
    }
    if (!Array.isArray(wave.regions) || wave.regions.length === 0) return void problems.push(`${at}.regions must list at least one region`);
    wave.regions.forEach((region: unknown, r) => {
      const where = `${at}.regions[${r}]`;
      regions += 1;
      if (!isRecord(region)) return void problems.push(`${where} must be {"region", "deploymentGroupName", "revision"}; got ${show(region)}`);
      if (typeof region.region !== 'string' || !REGION_PATTERN.test(region.region)) problems.push(`${where}.region must be an AWS region such as us-east-1; got ${show(region.region)}`);
      else if (seen.has(region.region)) problems.push(`${where}.region ${region.region} is already in the rollout; each region is deployed once`);
      else seen.add(region.region);
      if (typeof region.deploymentGroupName !== 'string' || !NAME_PATTERN.test(region.deploymentGroupName)) problems.push(`${where}.deploymentGroupName must be a deployment group name; got ${show(region.deploymentGroupName)}`);
      if (region.taskQueue !== undefined && (typeof region.taskQueue !== 'string' || region.taskQueue.length === 0)) problems.push(`${where}.taskQueue must be a task queue name`);
      if (region.deploymentConfigName !== undefined && typeof region.deploymentConfigName !== 'string') problems.push(`${where}.deploymentConfigName must be a string`);
      // The region's group decides its platform; either kind of revision is accepted here and checked there.
      const server = validateRevision(region.revision);
      const lambda = validateRevision(region.revision, 'Lambda');
      if (server.length > 0 && lambda.length > 0) problems.push(...server.map((p) => `${where}.${p}`));
      const alarms = region.alarms;
      if (alarms !== undefined && (!Array.isArray(alarms) || alarms.length > 10 || alarms.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 255))) problems.push(`${where}.alarms must list at most 10 alarm names`);
    });
  });
  if (regions > MAX_REGIONS) problems.push(`a rollout deploys at most ${MAX_REGIONS} regions; this one lists ${regions}`);
  const window = input.window;
  if (window !== undefined) {
    if (!isRecord(window)) problems.push(`window must be {"timeZone", "start": "HH:MM", "end": "HH:MM", "days"?: [...]}; got ${show(window)}`);
    else {
      if (typeof window.timeZone !== 'string' || !validTimeZone(window.timeZone)) problems.push(`window.timeZone must be an IANA time zone such as Europe/Berlin; got ${show(window.timeZone)}`);
      for (const key of ['start', 'end'] as const) if (typeof window[key] !== 'string' || !TIME.test(window[key])) problems.push(`window.${key} must be HH:MM (24-hour); got ${show(window[key])}`);
      if (window.days !== undefined && (!Array.isArray(window.days) || window.days.length === 0 || window.days.some((d) => !(WEEKDAYS as readonly unknown[]).includes(d)))) problems.push(`window.days must list days of ${WEEKDAYS.join(', ')}; got ${show(window.days)}`);
    }
  }
  const blackout = input.blackoutDates;
  if (blackout !== undefined && (!Array.isArray(blackout) || blackout.some((d) => typeof d !== 'string' || !DATE.test(d)))) problems.push(`blackoutDates must list dates as YYYY-MM-DD; got ${show(blackout)}`);
  return problems;
}

/** The calendar date, weekday and time of an instant in a time zone. */
function localTime(at: Date, timeZone: string): { date: string; day: Weekday; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, day: String(parts.weekday).toUpperCase().slice(0, 3) as Weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Why a rollout may not start at `at` (outside its window, or a blackout date); undefined when it may. */
export function outsideWindow(input: Pick<RolloutInput, 'window' | 'blackoutDates'>, at: Date): string | undefined {
  const zone = input.window?.timeZone ?? 'UTC';
  const local = localTime(at, zone);
  if (input.blackoutDates?.includes(local.date)) return `${local.date} is a blackout date (${zone})`;
  const window = input.window;
  if (!window) return undefined;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  // A window past midnight belongs to the day it started on.
  const overnight = end <= start;
  const inHours = overnight ? local.minutes >= start || local.minutes < end : local.minutes >= start && local.minutes < end;
  const dayIndex = WEEKDAYS.indexOf(local.day);
  const startedDay = overnight && local.minutes < end ? (WEEKDAYS[(dayIndex + 6) % 7] as Weekday) : local.day;
  const allowedDay = !window.days || window.days.includes(startedDay);
  if (inHours && allowedDay) return undefined;
  const hhmm = `${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
  return `${local.day} ${local.date} ${hhmm} (${zone}) is outside the deployment window ${window.days ? `${window.days.join(',')} ` : ''}${window.start}-${window.end}`;
}
