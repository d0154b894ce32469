import type { DeploymentConfig } from '../contracts/deployment-config.js';
import { healthyHostsRule, minimumHealthyCount } from '../contracts/deployment-config.js';
import { IN_PLACE_EVENTS, LIFECYCLE_EVENTS } from '../contracts/lifecycle.js';
import type { CandidateTarget, DeploymentStrategy, StrategyPlanOptions, StrategyPlanResult, StrategyStep } from './strategy.js';

/**
 * The in-place strategy as a pure planner plus a deterministic rollout state machine. The workflow
 * feeds host results in and starts whatever `startable` hands out; every rule about how many hosts go
 * at once and when the deployment succeeds or fails lives here, so it is table-tested without Temporal.
 *
 * CodeDeploy's model: a host being deployed counts as unhealthy, so at any moment at most
 * (fleet − failed − minimum healthy) hosts may be in flight. When that capacity reaches zero while
 * hosts are still waiting, the deployment fails (HEALTH_CONSTRAINTS); hosts already in flight finish,
 * no new one starts. A failure of the very last hosts is therefore tolerated when the minimum still
 * holds (OneAtATime's last-host rule falls out of this with minimum = fleet − 1).
 */

export type { CandidateTarget } from './strategy.js';

export interface PlannedZone {
  /** null: hosts that registered no zone (on-premises), deployed after the named zones. */
  zone: string | null;
  /** Hosts to deploy, in scheduling order. */
  hostIds: string[];
  /** Hosts of the zone left alone because they already run the revision (count as healthy). */
  upToDate: number;
  minimumHealthy: number;
  /** Bake time after this zone, before the next one starts. */
  monitorSeconds: number;
}

export interface InPlacePlan {
  deploymentConfigName: string;
  /** One zone at a time (a zonal configuration). */
  zonal: boolean;
  /** Every target, including up-to-date ones. */
  fleetSize: number;
  minimumHealthy: number;
  zones: PlannedZone[];
  /** Hosts skipped by updateOutdatedInstancesOnly. */
  upToDate: string[];
}

export type PlanResult = StrategyPlanResult<InPlacePlan>;
export type PlanOptions = StrategyPlanOptions;

const SCHEDULING_RANK: Record<string, number> = { Unhealthy: 0, Unknown: 1, Old: 2, Current: 3 };

/** CodeDeploy's scheduling order: unhealthy hosts, then unknown, old and current revision health. */
export function schedulingRank(target: CandidateTarget): number {
  return target.instanceHealth === 'Unhealthy' ? SCHEDULING_RANK.Unhealthy! : SCHEDULING_RANK[target.revisionHealth]!;
}

function zoneOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Plans an in-place deployment, or says why it cannot start. */
export function planInPlace(config: DeploymentConfig, targets: readonly CandidateTarget[], options: PlanOptions = {}): PlanResult {
  if (targets.length === 0) return { ok: false, code: 'NO_INSTANCES', message: 'The deployment has no targets: no registered host matches the deployment group.' };
  const fleetSize = targets.length;
  const minimumHealthy = minimumHealthyCount(healthyHostsRule(config), fleetSize);
  const isUpToDate = (t: CandidateTarget): boolean =>
    options.skipHostsRunning !== undefined && t.instanceHealth === 'Healthy' && t.installedRevision === options.skipHostsRunning;
  const upToDate = targets.filter(isUpToDate).map((t) => t.hostId);
  const outdated = targets.filter((t) => !isUpToDate(t));
  if (outdated.length > 0 && fleetSize - minimumHealthy <= 0) {
    return {
      ok: false,
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message: `The deployment cannot start: ${config.deploymentConfigName} requires ${minimumHealthy} of ${fleetSize} hosts to stay healthy, so no host can be taken out of service.`,
    };
  }

  const ordered = (list: CandidateTarget[]): string[] =>
    list
      .map((t, index) => ({ t, index }))
      .sort((a, b) => schedulingRank(a.t) - schedulingRank(b.t) || a.index - b.index)
      .map(({ t }) => t.hostId);

  const zonal = config.zonalConfig;
  if (!zonal) {
    const zones: PlannedZone[] = outdated.length === 0 ? [] : [{ zone: null, hostIds: ordered(outdated), upToDate: upToDate.length, minimumHealthy: 0, monitorSeconds: 0 }];
    return { ok: true, plan: { deploymentConfigName: config.deploymentConfigName, zonal: false, fleetSize, minimumHealthy, zones, upToDate } };
  }

  const names = [...new Set(targets.map((t) => t.zone))].sort(zoneOrder);
  const perZone = zonal.minimumHealthyHostsPerZone ?? { type: 'FLEET_PERCENT' as const, value: 0 };
  const zones: PlannedZone[] = [];
  for (const zone of names) {
    const members = targets.filter((t) => t.zone === zone);
    const todo = members.filter((t) => !isUpToDate(t));
    if (todo.length === 0) continue;
    const zoneMinimum = minimumHealthyCount(perZone, members.length);
    if (members.length - zoneMinimum <= 0) {
      return {
        ok: false,
        code: 'HEALTH_CONSTRAINTS_INVALID',
        message: `The deployment cannot start: zone ${zone ?? '(none)'} has ${members.length} hosts and must keep ${zoneMinimum} healthy (minimumHealthyHostsPerZone), so none of them can be taken out of service.`,
      };
    }
    const monitorSeconds = zones.length === 0 ? (zonal.firstZoneMonitorDurationInSeconds ?? zonal.monitorDurationInSeconds ?? 0) : (zonal.monitorDurationInSeconds ?? 0);
    zones.push({ zone, hostIds: ordered(todo), upToDate: members.length - todo.length, minimumHealthy: zoneMinimum, monitorSeconds });
  }
  const last = zones.at(-1);
  if (last) last.monitorSeconds = 0;
  return { ok: true, plan: { deploymentConfigName: config.deploymentConfigName, zonal: true, fleetSize, minimumHealthy, zones, upToDate } };
}

/** The rollout's progress; plain data, carried across continue-as-new. */
export interface RolloutState {
  zone: number;
  /** Index of the next host to start within the current zone. */
  next: number;
  inFlight: string[];
  succeeded: number;
  failed: number;
  zoneFailed: number;
  /** Set once too many hosts have failed; nothing new starts. */
  broken: boolean;
}

export type RolloutVerdict =
  | { kind: 'running' }
  /** The current zone is done; bake for `monitorSeconds`, then call advanceZone(). */
  | { kind: 'zoneDone'; monitorSeconds: number }
  | { kind: 'succeeded' }
  | { kind: 'failed'; message: string };

export class InPlaceRollout {
  readonly state: RolloutState;

  constructor(
    readonly plan: InPlacePlan,
    state?: RolloutState,
  ) {
    this.state = state ?? { zone: 0, next: 0, inFlight: [], succeeded: 0, failed: 0, zoneFailed: 0, broken: false };
  }

  private get currentZone(): PlannedZone | undefined {
    return this.plan.zones[this.state.zone];
  }

  /** Hosts not started yet, in every zone from the current one on. */
  get notStarted(): number {
    let count = 0;
    this.plan.zones.forEach((zone, i) => {
      if (i > this.state.zone) count += zone.hostIds.length;
      else if (i === this.state.zone) count += zone.hostIds.length - this.state.next;
    });
    return count;
  }

  /** How many more hosts may be out of service at once, fleet-wide and in the current zone. */
  private capacity(): number {
    const zone = this.currentZone;
    if (!zone) return 0;
    const local = zone.hostIds.length + zone.upToDate - this.state.zoneFailed - zone.minimumHealthy;
    return Math.min(this.fleetCapacity(), local);
  }

  private fleetCapacity(): number {
    return this.plan.fleetSize - this.state.failed - this.plan.minimumHealthy;
  }

  /** Marks and returns the hosts that may start now (at most `limit` in flight in total). */
  startable(limit = Infinity): string[] {
    const zone = this.currentZone;
    if (this.state.broken || !zone) return [];
    const room = Math.min(this.capacity(), limit) - this.state.inFlight.length;
    const hosts = zone.hostIds.slice(this.state.next, this.state.next + Math.max(0, room));
    this.state.next += hosts.length;
    this.state.inFlight.push(...hosts);
    return hosts;
  }

  /** Records a host's result. */
  finish(hostId: string, succeeded: boolean): void {
    const index = this.state.inFlight.indexOf(hostId);
    if (index < 0) throw new Error(`host ${hostId} is not in flight`);
    this.state.inFlight.splice(index, 1);
    if (succeeded) {
      this.state.succeeded += 1;
      return;
    }
    this.state.failed += 1;
    this.state.zoneFailed += 1;
    const zoneWaiting = (this.currentZone?.hostIds.length ?? 0) - this.state.next;
    // Nothing waiting can ever start again: the zone's or the fleet's minimum is reached.
    if ((zoneWaiting > 0 && this.capacity() <= 0) || (this.notStarted > 0 && this.fleetCapacity() <= 0)) this.state.broken = true;
  }

  /** Moves to the next zone after the bake. */
  advanceZone(): void {
    this.state.zone += 1;
    this.state.next = 0;
    this.state.zoneFailed = 0;
  }

  verdict(): RolloutVerdict {
    const { state, plan } = this;
    if (state.inFlight.length > 0) return { kind: 'running' };
    if (state.broken) {
      return {
        kind: 'failed',
        message: `The overall deployment failed because too many individual instances failed deployment (${state.failed} of ${plan.fleetSize} failed; ${plan.deploymentConfigName} keeps at least ${plan.minimumHealthy} healthy).`,
      };
    }
    const zone = this.currentZone;
    if (zone && state.next < zone.hostIds.length) return { kind: 'running' };
    if (zone && state.zone < plan.zones.length - 1) return { kind: 'zoneDone', monitorSeconds: zone.monitorSeconds };
    const healthy = state.succeeded + plan.upToDate.length;
    const nothingToDo = plan.zones.length === 0;
    if (healthy >= plan.minimumHealthy && (state.succeeded >= 1 || nothingToDo)) return { kind: 'succeeded' };
    return {
      kind: 'failed',
      message: `The overall deployment failed because too few instances succeeded (${state.succeeded} of ${plan.fleetSize}; ${plan.deploymentConfigName} needs at least ${Math.max(1, plan.minimumHealthy)}).`,
    };
  }
}

/** In-place on the engine: the planner above, and the rollout as the engine's steps. */
export const inPlace: DeploymentStrategy<InPlacePlan, RolloutState> = {
  kind: 'IN_PLACE',
  plan: (config, targets, options) => planInPlace(config, targets, options),
  skipped: (plan) => plan.upToDate,
  hostEvents: ({ trafficControl }) => (trafficControl ? [...LIFECYCLE_EVENTS] : [...IN_PLACE_EVENTS]),
  run(plan, state) {
    const rollout = new InPlaceRollout(plan, state);
    return {
      state: rollout.state,
      next(limit) {
        const hostIds = rollout.startable(limit);
        const steps: StrategyStep[] = hostIds.length > 0 ? [{ kind: 'deployHosts', hostIds }] : [];
        const verdict = rollout.verdict();
        if (verdict.kind === 'running') steps.push({ kind: 'waitForHosts' });
        else if (verdict.kind === 'zoneDone') steps.push({ kind: 'bake', seconds: verdict.monitorSeconds });
        else steps.push(verdict);
        return steps;
      },
      hostFinished: (hostId, succeeded) => rollout.finish(hostId, succeeded),
      bakeFinished: () => rollout.advanceZone(),
      inFlight: () => rollout.state.inFlight.length,
      failed: () => rollout.state.failed,
      zone: () => (plan.zonal ? { zone: plan.zones[rollout.state.zone]?.zone } : undefined),
    };
  },
};
