/** The strategy contract: the registry, and in-place as the engine's steps. */
import { describe, expect, it } from 'vitest';
import { findPredefinedConfig, type DeploymentConfig } from '../../../workflows/contracts/deployment-config.js';
import { IN_PLACE_EVENTS, LIFECYCLE_EVENTS } from '../../../workflows/contracts/lifecycle.js';
import { inPlace, type InPlacePlan, type RolloutState } from '../../../workflows/strategies/in-place.js';
import { STRATEGIES, strategyFor } from '../../../workflows/strategies/index.js';
import type { CandidateTarget, StrategyRun, StrategyStep } from '../../../workflows/strategies/strategy.js';

const targets = (zones: (string | null)[]): CandidateTarget[] =>
  zones.map((zone, i) => ({ hostId: `h${i + 1}`, zone, instanceHealth: 'Healthy', revisionHealth: 'Current', installedRevision: 'rev-0' }));

function planned(config: DeploymentConfig, fleet: CandidateTarget[]): InPlacePlan {
  const result = inPlace.plan(config, fleet, {});
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

/** Drives a run the way the interpreter does, recording every step; `failing` hosts fail. */
function drive(run: StrategyRun<RolloutState>, failing: string[] = []): StrategyStep[] {
  const seen: StrategyStep[] = [];
  const inFlight: string[] = [];
  for (let guard = 0; guard < 1000; guard += 1) {
    const steps = run.next(10);
    seen.push(...steps);
    for (const step of steps) if (step.kind === 'deployHosts') inFlight.push(...step.hostIds);
    const last = steps.at(-1) as StrategyStep;
    if (last.kind === 'succeeded' || last.kind === 'failed') return seen;
    if (last.kind === 'bake') run.bakeFinished();
    else if (last.kind === 'waitForHosts') {
      const host = inFlight.shift() as string;
      run.hostFinished(host, !failing.includes(host));
    }
  }
  throw new Error('the run never ended');
}

describe('workflows/strategies: the engine contract', () => {
  it('registers every strategy by kind, in-place being the default', () => {
    expect(Object.keys(STRATEGIES)).toEqual(['IN_PLACE', 'BLUE_GREEN', 'LAMBDA']);
    expect(strategyFor('BLUE_GREEN').kind).toBe('BLUE_GREEN');
    expect(strategyFor(undefined)).toBe(inPlace);
    expect(strategyFor('IN_PLACE').kind).toBe('IN_PLACE');
  });

  it('in place: hosts in steps as capacity allows, then succeeded', () => {
    const run = inPlace.run(planned(findPredefinedConfig('HalfAtATime') as DeploymentConfig, targets([null, null, null, null])));
    const steps = drive(run);
    expect(steps.filter((s) => s.kind === 'deployHosts').map((s) => (s.kind === 'deployHosts' ? s.hostIds : []))).toEqual([['h1', 'h2'], ['h3'], ['h4']]);
    expect(steps.at(-1)).toEqual({ kind: 'succeeded' });
    expect(run.inFlight()).toBe(0);
    expect(run.zone()).toBeUndefined();
  });

  it('in place, zonal: a bake step between zones with the configured seconds, and the zone reported', () => {
    const config: DeploymentConfig = { deploymentConfigName: 'Zonal', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, zonalConfig: { firstZoneMonitorDurationInSeconds: 30, monitorDurationInSeconds: 5 } };
    const run = inPlace.run(planned(config, targets(['a', 'b', 'c'])));
    expect(run.zone()).toEqual({ zone: 'a' });
    const steps = drive(run);
    expect(steps.filter((s) => s.kind === 'bake')).toEqual([{ kind: 'bake', seconds: 30 }, { kind: 'bake', seconds: 5 }]);
    expect(steps.at(-1)).toEqual({ kind: 'succeeded' });
  });

  it('in place: too many failures end in a failed step naming the numbers; the state is plain JSON', () => {
    const run = inPlace.run(planned(findPredefinedConfig('OneAtATime') as DeploymentConfig, targets([null, null, null])));
    const steps = drive(run, ['h1']);
    expect(steps.at(-1)).toMatchObject({ kind: 'failed', message: expect.stringMatching(/1 of 3 failed/) });
    expect(run.failed()).toBe(1);
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(run.state);
    // A run resumed from its state (continue-as-new) carries on where it was.
    expect(inPlace.run(planned(findPredefinedConfig('OneAtATime') as DeploymentConfig, targets([null, null, null])), structuredClone(run.state)).next(10).at(-1)).toMatchObject({ kind: 'failed' });
  });

  it('starts nothing when the interpreter gives no room (draining or stopping), and says what hosts run', () => {
    const run = inPlace.run(planned(findPredefinedConfig('AllAtOnce') as DeploymentConfig, targets([null, null])));
    expect(run.next(0)).toEqual([{ kind: 'waitForHosts' }]);
    expect(run.inFlight()).toBe(0);
    expect(inPlace.hostEvents({ trafficControl: false })).toEqual([...IN_PLACE_EVENTS]);
    expect(inPlace.hostEvents({ trafficControl: true })).toEqual([...LIFECYCLE_EVENTS]);
  });
});
