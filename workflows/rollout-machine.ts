/**
 * The wave planner of a cross-region rollout: a pure state machine over the rollout's view. It says
 * what happens next (check every region's revision, wait for an approval, deploy regions, bake,
 * check alarms, roll regions back newest first, end) and records each answer in the view. The
 * `crossRegionRollout` workflow carries the steps out. Its state is the view itself (plain JSON).
 */
import type { RegionView, RolloutInput, RolloutStopRequest, RolloutView, WaveView } from './contracts/rollout.js';
import { taskQueueOfRegion } from './contracts/rollout.js';

export type RolloutStep =
  | { kind: 'checkRevisions' }
  | { kind: 'approve'; wave: number; timeoutSeconds: number }
  /** Start these regions' deployments now (a serial wave: one; a parallel wave: all). */
  | { kind: 'deploy'; wave: number; regions: number[] }
  /** Regions are in flight: wait for one to finish. */
  | { kind: 'wait' }
  | { kind: 'bake'; wave: number; seconds: number }
  | { kind: 'checkAlarms'; wave: number }
  /** Roll one region back (newest first). */
  | { kind: 'rollback'; wave: number; region: number }
  | { kind: 'end'; status: 'Succeeded' | 'Failed' | 'Stopped'; message?: string };

export interface RolloutMachineState {
  view: RolloutView;
  /** Regions that succeeded, in the order they did: a rollback goes newest first. */
  done: [number, number][];
  /** Regions whose deployment is running. */
  inFlight: [number, number][];
  /** Why the rollout halts (a failure, a rejection, a stop), and whether it rolls back. */
  halt?: { status: 'Failed' | 'Stopped'; message: string; rollback: boolean };
  checked: boolean;
  baked: number[];
  alarmsChecked: number[];
}

export function newRolloutView(rolloutId: string, input: RolloutInput, createTime: string): RolloutView {
  return {
    rolloutId,
    applicationName: input.applicationName,
    ...(input.description ? { description: input.description } : {}),
    status: 'InProgress',
    createTime,
    paused: false,
    waves: input.waves.map((wave, index): WaveView => ({
      index,
      ...(wave.name ? { name: wave.name } : {}),
      mode: wave.mode ?? 'SERIAL',
      status: 'Pending',
      ...(wave.bakeSeconds ? { bakeSeconds: wave.bakeSeconds } : {}),
      ...(wave.approval ? { approval: { status: 'Pending' as const, timeoutSeconds: wave.approval.timeoutSeconds } } : {}),
      regions: wave.regions.map((r): RegionView => ({ region: r.region, taskQueue: taskQueueOfRegion(r), deploymentGroupName: r.deploymentGroupName, status: 'Pending' })),
    })),
  };
}

export class RolloutMachine {
  readonly state: RolloutMachineState;

  constructor(
    private readonly input: RolloutInput,
    state: RolloutMachineState | RolloutView,
  ) {
    this.state = 'view' in state ? state : { view: state, done: [], inFlight: [], checked: false, baked: [], alarmsChecked: [] };
  }

  private get view(): RolloutView {
    return this.state.view;
  }

  private region(wave: number, region: number): RegionView {
    return (this.view.waves[wave] as WaveView).regions[region] as RegionView;
  }

  next(): RolloutStep[] {
    const s = this.state;
    if (s.halt) {
      if (s.inFlight.length > 0) return [{ kind: 'wait' }];
      const back = s.halt.rollback ? s.done.find(([w, r]) => this.region(w, r).rollback === undefined) : undefined;
      if (back) {
        // done is oldest first: the newest not yet rolled back goes first.
        const newest = [...s.done].reverse().find(([w, r]) => this.region(w, r).rollback === undefined) as [number, number];
        return [{ kind: 'rollback', wave: newest[0], region: newest[1] }];
      }
      this.finishWaves(s.halt.status);
      return [{ kind: 'end', status: s.halt.status, message: s.halt.message }];
    }
    if (!s.checked) return [{ kind: 'checkRevisions' }];
    const index = this.view.waves.findIndex((w) => w.status !== 'Succeeded');
    if (index < 0) return [{ kind: 'end', status: 'Succeeded' }];
    const wave = this.view.waves[index] as WaveView;
    this.view.currentWave = index;
    if (wave.approval && wave.approval.status === 'Pending') {
      wave.status = 'AwaitingApproval';
      return [{ kind: 'approve', wave: index, timeoutSeconds: wave.approval.timeoutSeconds }];
    }
    const pending = wave.regions.map((r, i) => [r, i] as const).filter(([r]) => r.status === 'Pending');
    if (pending.length > 0) {
      wave.status = 'InProgress';
      if (wave.mode === 'PARALLEL') return [{ kind: 'deploy', wave: index, regions: pending.map(([, i]) => i) }];
      if (s.inFlight.length > 0) return [{ kind: 'wait' }];
      return [{ kind: 'deploy', wave: index, regions: [(pending[0] as readonly [RegionView, number])[1]] }];
    }
    if (s.inFlight.length > 0) return [{ kind: 'wait' }];
    const bake = this.input.waves[index]?.bakeSeconds ?? 0;
    if (bake > 0 && !s.baked.includes(index)) {
      wave.status = 'Baking';
      return [{ kind: 'bake', wave: index, seconds: bake }];
    }
    const alarms = this.input.waves[index]?.regions.some((r) => r.alarms?.length);
    if (alarms && !s.alarmsChecked.includes(index)) return [{ kind: 'checkAlarms', wave: index }];
    wave.status = 'Succeeded';
    return this.next();
  }

  /** Every region's revision was checked: problems halt the rollout before anything moves. */
  revisionsChecked(problems: { wave: number; region: number; message: string }[]): void {
    this.state.checked = true;
    for (const p of problems) Object.assign(this.region(p.wave, p.region), { status: 'Failed', message: p.message });
    if (problems.length > 0) {
      const list = problems.map((p) => `${this.region(p.wave, p.region).region}: ${p.message}`).join('; ');
      this.halt('Failed', `the revisions were checked before the first wave and ${problems.length === 1 ? 'one is' : 'some are'} not deployable: ${list}`, false);
    }
  }

  approved(answer: { approved: boolean; approver?: string; comment?: string; at: string; timedOut?: boolean }): void {
    const wave = this.view.waves[this.view.currentWave ?? 0] as WaveView;
    const gate = this.input.waves[wave.index]?.approval;
    const status = answer.timedOut ? 'TimedOut' : answer.approved ? 'Approved' : 'Rejected';
    wave.approval = { ...(wave.approval as NonNullable<WaveView['approval']>), status, at: answer.at, ...(answer.approver ? { approver: answer.approver } : {}), ...(answer.comment ? { comment: answer.comment } : {}) };
    if (answer.timedOut && gate?.onTimeout === 'APPROVE') return;
    if (!answer.approved || answer.timedOut) {
      const why = answer.timedOut ? `no approval came within ${gate?.timeoutSeconds ?? 0}s (onTimeout REJECT)` : `${answer.approver ?? 'an approver'} rejected it${answer.comment ? `: ${answer.comment}` : ''}`;
      this.halt('Stopped', `wave ${wave.index + 1} was not approved: ${why}`, false);
    }
  }

  regionStarted(wave: number, region: number, deploymentId: string): void {
    Object.assign(this.region(wave, region), { status: 'InProgress', deploymentId });
    this.state.inFlight.push([wave, region]);
  }

  regionFinished(wave: number, region: number, status: 'Succeeded' | 'Failed' | 'Stopped', message?: string): void {
    const view = this.region(wave, region);
    Object.assign(view, { status, ...(message ? { message } : {}) });
    this.state.inFlight = this.state.inFlight.filter(([w, r]) => w !== wave || r !== region);
    if (status === 'Succeeded') this.state.done.push([wave, region]);
    else if (!this.state.halt) this.halt('Failed', `${view.region} (wave ${wave + 1}) ${status === 'Stopped' ? 'was stopped' : 'failed'}${message ? `: ${message}` : ''}`, this.input.rollbackOnFailure ?? false);
  }

  bakeFinished(wave: number): void {
    this.state.baked.push(wave);
  }

  alarmsChecked(wave: number, inAlarm: string[]): void {
    this.state.alarmsChecked.push(wave);
    if (inAlarm.length > 0) this.halt('Failed', `after wave ${wave + 1}'s bake, ${inAlarm.join(', ')} ${inAlarm.length === 1 ? 'is' : 'are'} in ALARM`, this.input.rollbackOnFailure ?? false);
  }

  rolledBack(wave: number, region: number, outcome: NonNullable<RegionView['rollback']>): void {
    this.region(wave, region).rollback = outcome;
  }

  stop(request: RolloutStopRequest): void {
    this.halt('Stopped', `stopped by request${request.reason ? `: ${request.reason}` : ''}`, request.rollback ?? false);
  }

  halted(): boolean {
    return this.state.halt !== undefined;
  }

  private halt(status: 'Failed' | 'Stopped', message: string, rollback: boolean): void {
    this.state.halt ??= { status, message, rollback };
    if (rollback && !this.state.halt.rollback) this.state.halt.rollback = true;
  }

  /** At the end: waves and regions that never ran are Skipped; the wave that halted says how. */
  private finishWaves(status: 'Failed' | 'Stopped'): void {
    for (const wave of this.view.waves) {
      for (const region of wave.regions) if (region.status === 'Pending') region.status = 'Skipped';
      if (wave.status === 'Pending') wave.status = 'Skipped';
      else if (wave.status !== 'Succeeded') wave.status = wave.regions.some((r) => r.status === 'Failed') ? 'Failed' : status === 'Stopped' ? 'Stopped' : 'Failed';
    }
  }
}
