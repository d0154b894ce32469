import { describe, expect, it } from 'vitest';
import { findPredefinedConfig, type DeploymentConfig, type MinimumHealthyHosts, type ZonalConfig } from '../../../workflows/contracts/deployment-config.js';
import { InPlaceRollout, planInPlace, type CandidateTarget, type InPlacePlan, type RolloutVerdict } from '../../../workflows/strategies/in-place.js';

const predefined = (name: string): DeploymentConfig => findPredefinedConfig(name)!;
const custom = (minimumHealthyHosts: MinimumHealthyHosts, zonalConfig?: ZonalConfig): DeploymentConfig => ({
  deploymentConfigName: 'Custom',
  minimumHealthyHosts,
  ...(zonalConfig ? { zonalConfig } : {}),
});

function fleet(n: number, extra: (i: number) => Partial<CandidateTarget> = () => ({})): CandidateTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    hostId: `h${i + 1}`,
    zone: null,
    instanceHealth: 'Healthy' as const,
    revisionHealth: 'Current' as const,
    installedRevision: 'rev-0',
    ...extra(i + 1),
  }));
}

function plan(config: DeploymentConfig, targets: CandidateTarget[], skipHostsRunning?: string): InPlacePlan {
  const result = planInPlace(config, targets, { skipHostsRunning });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

interface Simulation {
  verdict: RolloutVerdict;
  started: string[];
  maxInFlight: number;
  /** Bakes between zones, in order. */
  bakes: number[];
}

/** Runs a rollout to the end: hosts finish in the order they started; `failing` hosts fail. */
function simulate(p: InPlacePlan, failing: readonly string[] = []): Simulation {
  const rollout = new InPlaceRollout(p);
  const started: string[] = [];
  const bakes: number[] = [];
  let maxInFlight = 0;
  for (;;) {
    started.push(...rollout.startable());
    maxInFlight = Math.max(maxInFlight, rollout.state.inFlight.length);
    const verdict = rollout.verdict();
    if (verdict.kind === 'succeeded' || verdict.kind === 'failed') return { verdict, started, maxInFlight, bakes };
    if (verdict.kind === 'zoneDone') {
      bakes.push(verdict.monitorSeconds);
      rollout.advanceZone();
      continue;
    }
    const host = rollout.state.inFlight[0]!;
    rollout.finish(host, !failing.includes(host));
  }
}

describe('in-place planner: batch sizes (reference §5.1–5.2 examples)', () => {
  it.each<[string, DeploymentConfig, number, number, number]>([
    // name, config, fleet, minimum healthy, hosts in flight at once
    ['OneAtATime, 5 hosts', predefined('OneAtATime'), 5, 4, 1],
    ['HalfAtATime, 9 hosts: 4 at a time, 5 needed', predefined('HalfAtATime'), 9, 5, 4],
    ['HalfAtATime, 2 hosts', predefined('CodeDeployDefault.HalfAtATime'), 2, 1, 1],
    ['AllAtOnce, 7 hosts', predefined('AllAtOnce'), 7, 0, 7],
    ['HOST_COUNT 6 of 9: 3 at a time', custom({ type: 'HOST_COUNT', value: 6 }), 9, 6, 3],
    ['FLEET_PERCENT 40 of 9: minimum 4 (rounded up), 5 at a time', custom({ type: 'FLEET_PERCENT', value: 40 }), 9, 4, 5],
    ['10 hosts, minimum 9: one at a time', custom({ type: 'HOST_COUNT', value: 9 }), 10, 9, 1],
    ['10 hosts, minimum 8: two at a time', custom({ type: 'HOST_COUNT', value: 8 }), 10, 8, 2],
    ['HOST_COUNT 0 is all at once', custom({ type: 'HOST_COUNT', value: 0 }), 4, 0, 4],
  ])('%s', (_name, config, size, minimum, concurrency) => {
    const p = plan(config, fleet(size));
    expect(p.minimumHealthy).toBe(minimum);
    const run = simulate(p);
    expect(run.maxInFlight).toBe(concurrency);
    expect(run.verdict.kind).toBe('succeeded');
    expect(run.started).toHaveLength(size);
  });
});

describe('in-place planner: outcomes', () => {
  it.each<[string, DeploymentConfig, number, string[], 'succeeded' | 'failed', number]>([
    // name, config, fleet, failing hosts, verdict, hosts started
    ['OneAtATime fails at the first failure that is not the last host', predefined('OneAtATime'), 3, ['h2'], 'failed', 2],
    ['OneAtATime tolerates a failure of the last host', predefined('OneAtATime'), 3, ['h3'], 'succeeded', 3],
    ['OneAtATime with one host succeeds only if it does', predefined('OneAtATime'), 1, ['h1'], 'failed', 1],
    ['HalfAtATime 9 hosts: 4 failures with hosts still waiting fail it', predefined('HalfAtATime'), 9, ['h1', 'h2', 'h3', 'h4'], 'failed', 4],
    ['HalfAtATime 9 hosts: 5 successes and 4 failures at the end succeed', predefined('HalfAtATime'), 9, ['h6', 'h7', 'h8', 'h9'], 'succeeded', 9],
    ['AllAtOnce succeeds with one success', predefined('AllAtOnce'), 4, ['h1', 'h2', 'h3'], 'succeeded', 4],
    ['AllAtOnce fails when every host fails', predefined('AllAtOnce'), 4, ['h1', 'h2', 'h3', 'h4'], 'failed', 4],
    ['HOST_COUNT 0: at least one success is still required', custom({ type: 'HOST_COUNT', value: 0 }), 2, ['h1', 'h2'], 'failed', 2],
    ['minimum 9 of 10: any failure fails it…', custom({ type: 'HOST_COUNT', value: 9 }), 10, ['h5'], 'failed', 5],
    ['…except a failure of the last host', custom({ type: 'HOST_COUNT', value: 9 }), 10, ['h10'], 'succeeded', 10],
    ['minimum 8 of 10: two failures fail it…', custom({ type: 'HOST_COUNT', value: 8 }), 10, ['h3', 'h6'], 'failed', 6],
    ['…except when the last host is the second failure', custom({ type: 'HOST_COUNT', value: 8 }), 10, ['h3', 'h10'], 'succeeded', 10],
    ['FLEET_PERCENT 40 of 9: 4 successes are enough', custom({ type: 'FLEET_PERCENT', value: 40 }), 9, ['h5', 'h6', 'h7', 'h8', 'h9'], 'succeeded', 9],
    ['FLEET_PERCENT 40 of 9: 5 failures with hosts waiting fail it', custom({ type: 'FLEET_PERCENT', value: 40 }), 9, ['h1', 'h2', 'h3', 'h4', 'h5'], 'failed', 5],
  ])('%s', (_name, config, size, failing, verdict, startedCount) => {
    const run = simulate(plan(config, fleet(size)), failing);
    expect(run.verdict.kind).toBe(verdict);
    expect(run.started).toHaveLength(startedCount);
  });

  it('starts no new host once the health constraints are broken; hosts in flight finish', () => {
    const rollout = new InPlaceRollout(plan(custom({ type: 'HOST_COUNT', value: 8 }), fleet(10)));
    expect(rollout.startable()).toEqual(['h1', 'h2']);
    rollout.finish('h1', false);
    expect(rollout.startable()).toEqual([]); // capacity is down to one, and h2 holds it
    expect(rollout.verdict().kind).toBe('running');
    rollout.finish('h2', false);
    expect(rollout.state.broken).toBe(true);
    expect(rollout.startable()).toEqual([]);
    const verdict = rollout.verdict();
    expect(verdict).toMatchObject({ kind: 'failed' });
    expect((verdict as { message: string }).message).toMatch(/too many individual instances failed deployment \(2 of 10 failed; Custom keeps at least 8 healthy\)/);
  });

  it('caps hosts in flight at the given limit (pending-children budget) without changing the rules', () => {
    const rollout = new InPlaceRollout(plan(predefined('AllAtOnce'), fleet(10)));
    expect(rollout.startable(3)).toEqual(['h1', 'h2', 'h3']);
    rollout.finish('h2', true);
    expect(rollout.startable(3)).toEqual(['h4']);
  });

  it('survives a snapshot of its state (continue-as-new)', () => {
    const p = plan(predefined('HalfAtATime'), fleet(9));
    const first = new InPlaceRollout(p);
    first.startable();
    for (const host of ['h1', 'h2', 'h3']) first.finish(host, host !== 'h2');
    const resumed = new InPlaceRollout(p, JSON.parse(JSON.stringify(first.state)));
    expect(resumed.startable()).toEqual(['h5', 'h6']); // one failure: 3 may be out, h4 is one of them
    expect(resumed.state).toMatchObject({ succeeded: 2, failed: 1 });
  });
});

describe('in-place planner: refusals before anything starts', () => {
  it('HEALTH_CONSTRAINTS_INVALID when the minimum leaves no host to take out of service', () => {
    const result = planInPlace(custom({ type: 'FLEET_PERCENT', value: 95 }), fleet(10));
    expect(result).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(!result.ok && result.message).toMatch(/requires 10 of 10 hosts to stay healthy/);
    expect(planInPlace(custom({ type: 'HOST_COUNT', value: 1 }), fleet(1))).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(planInPlace(custom({ type: 'HOST_COUNT', value: 3 }), fleet(4)).ok).toBe(true);
  });

  it('NO_INSTANCES when nothing matched', () => {
    expect(planInPlace(predefined('OneAtATime'), [])).toMatchObject({ ok: false, code: 'NO_INSTANCES' });
  });
});

describe('in-place planner: scheduling order and updateOutdatedInstancesOnly', () => {
  it('deploys unhealthy hosts first, then unknown, old and current revision health', () => {
    const targets: CandidateTarget[] = [
      { hostId: 'current', zone: null, instanceHealth: 'Healthy', revisionHealth: 'Current', installedRevision: 'r1' },
      { hostId: 'old', zone: null, instanceHealth: 'Healthy', revisionHealth: 'Old', installedRevision: 'r0' },
      { hostId: 'unknown', zone: null, instanceHealth: 'Healthy', revisionHealth: 'Unknown', installedRevision: null },
      { hostId: 'unhealthy', zone: null, instanceHealth: 'Unhealthy', revisionHealth: 'Current', installedRevision: 'r1' },
      { hostId: 'current-2', zone: null, instanceHealth: 'Healthy', revisionHealth: 'Current', installedRevision: 'r1' },
    ];
    expect(simulate(plan(predefined('OneAtATime'), targets)).started).toEqual(['unhealthy', 'unknown', 'old', 'current', 'current-2']);
  });

  it('skips hosts already running the revision, which still count as healthy', () => {
    const targets = fleet(4, (i) => ({ installedRevision: i <= 2 ? 'rev-new' : 'rev-old', revisionHealth: i <= 2 ? 'Current' : 'Old' }));
    const p = plan(predefined('HalfAtATime'), targets, 'rev-new');
    expect(p.upToDate).toEqual(['h1', 'h2']);
    const run = simulate(p, ['h4']);
    expect(run.started).toEqual(['h3', 'h4']);
    expect(run.maxInFlight).toBe(2);
    expect(run.verdict.kind).toBe('succeeded'); // h1, h2 and h3 are healthy: 3 ≥ 2
  });

  it('a host whose last attempt failed is deployed even if it once ran the revision', () => {
    const targets = fleet(2, (i) => ({ installedRevision: 'rev-new', instanceHealth: i === 2 ? 'Unhealthy' : 'Healthy' }));
    expect(plan(predefined('OneAtATime'), targets, 'rev-new').upToDate).toEqual(['h1']);
  });

  it('succeeds without deploying when every host is up to date', () => {
    const run = simulate(plan(predefined('OneAtATime'), fleet(3, () => ({ installedRevision: 'rev-new' })), 'rev-new'));
    expect(run).toMatchObject({ verdict: { kind: 'succeeded' }, started: [] });
  });
});

describe('in-place planner: zonal configuration', () => {
  const zoned = (zones: string[]): CandidateTarget[] => fleet(zones.length, (i) => ({ zone: zones[i - 1] === '-' ? null : zones[i - 1]! }));

  it('deploys one zone at a time in zone order, hosts without a zone last, baking between zones', () => {
    const config = custom({ type: 'HOST_COUNT', value: 0 }, { firstZoneMonitorDurationInSeconds: 600, monitorDurationInSeconds: 60 });
    const p = plan(config, zoned(['b', 'a', '-', 'b', 'a', 'c']));
    expect(p.zones.map((z) => [z.zone, z.hostIds])).toEqual([
      ['a', ['h2', 'h5']],
      ['b', ['h1', 'h4']],
      ['c', ['h6']],
      [null, ['h3']],
    ]);
    const run = simulate(p);
    expect(run.started).toEqual(['h2', 'h5', 'h1', 'h4', 'h6', 'h3']);
    expect(run.bakes).toEqual([600, 60, 60]);
    expect(run.maxInFlight).toBe(2);
  });

  it('first-zone bake defaults to the per-zone bake; no bake when none is set', () => {
    expect(simulate(plan(custom({ type: 'HOST_COUNT', value: 0 }, { monitorDurationInSeconds: 30 }), zoned(['a', 'b', 'c']))).bakes).toEqual([30, 30]);
    expect(simulate(plan(custom({ type: 'HOST_COUNT', value: 0 }, {}), zoned(['a', 'b']))).bakes).toEqual([0]);
  });

  it('the per-zone minimum limits hosts in flight in each zone, together with the fleet minimum', () => {
    const config = custom({ type: 'HOST_COUNT', value: 0 }, { minimumHealthyHostsPerZone: { type: 'FLEET_PERCENT', value: 50 } });
    const run = simulate(plan(config, zoned(['a', 'a', 'a', 'a', 'b', 'b'])));
    expect(run.maxInFlight).toBe(2); // zone a: 4 hosts, 2 must stay healthy
    const fleetBound = simulate(plan(custom({ type: 'HOST_COUNT', value: 5 }, {}), zoned(['a', 'a', 'a', 'b', 'b', 'b'])));
    expect(fleetBound.maxInFlight).toBe(1);
  });

  it('fails when a zone loses its per-zone minimum with hosts still waiting', () => {
    const config = custom({ type: 'HOST_COUNT', value: 0 }, { minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 2 } });
    const run = simulate(plan(config, zoned(['a', 'a', 'a', 'a', 'b', 'b', 'b'])), ['h1', 'h2']);
    expect(run.verdict.kind).toBe('failed');
    expect(run.started).toEqual(['h1', 'h2']);
  });

  it('a zone too small for its minimum is refused before anything starts', () => {
    const config = custom({ type: 'HOST_COUNT', value: 0 }, { minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 1 } });
    const result = planInPlace(config, zoned(['a', 'a', 'b']));
    expect(result).toMatchObject({ ok: false, code: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(!result.ok && result.message).toMatch(/zone b has 1 hosts and must keep 1 healthy/);
  });
});
