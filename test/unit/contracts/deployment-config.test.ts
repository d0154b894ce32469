import { describe, expect, it } from 'vitest';
import {
  batchSize,
  deploymentSucceeded,
  findPredefinedConfig,
  healthConstraintsBroken,
  minimumHealthyCount,
  type MinimumHealthyHosts,
} from '../../../workflows/contracts/deployment-config.js';

const oneAtATime = findPredefinedConfig('OneAtATime')!.minimumHealthyHosts;
const halfAtATime = findPredefinedConfig('CodeDeployDefault.HalfAtATime')!.minimumHealthyHosts;
const allAtOnce = findPredefinedConfig('AllAtOnce')!.minimumHealthyHosts;

describe('workflows/contracts/deployment-config', () => {
  it('finds predefined configurations with or without the CodeDeployDefault. prefix, OneAtATime by default', () => {
    expect(findPredefinedConfig(undefined)?.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime');
    expect(findPredefinedConfig('HalfAtATime')?.deploymentConfigName).toBe('CodeDeployDefault.HalfAtATime');
    expect(findPredefinedConfig('CodeDeployDefault.AllAtOnce')?.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');
    expect(findPredefinedConfig('ThreeAtATime')).toBeUndefined();
  });

  it.each<[string, MinimumHealthyHosts, number, number, number]>([
    // name, rule, fleet, minimum healthy, batch size
    ['OneAtATime, 5 hosts', oneAtATime, 5, 4, 1],
    ['HalfAtATime, 9 hosts: 4 at a time, 5 needed', halfAtATime, 9, 5, 4],
    ['HalfAtATime, 1 host', halfAtATime, 1, 1, 1],
    ['AllAtOnce, 7 hosts', allAtOnce, 7, 0, 7],
    ['HOST_COUNT 6 of 9: 3 at a time', { type: 'HOST_COUNT', value: 6 }, 9, 6, 3],
    ['FLEET_PERCENT 40 of 9: min 4 (rounded up), 5 at a time', { type: 'FLEET_PERCENT', value: 40 }, 9, 4, 5],
  ])('%s', (_name, rule, fleet, minimum, batch) => {
    expect(minimumHealthyCount(rule, fleet)).toBe(minimum);
    expect(batchSize(rule, fleet)).toBe(batch);
  });

  it('OneAtATime stops at the first failure, except on the last host', () => {
    expect(healthConstraintsBroken(oneAtATime, { fleetSize: 3, succeeded: 0, failed: 1, remaining: 2 })).toBe(true);
    expect(healthConstraintsBroken(oneAtATime, { fleetSize: 3, succeeded: 2, failed: 1, remaining: 0 })).toBe(false);
    expect(deploymentSucceeded(oneAtATime, { fleetSize: 3, succeeded: 2, failed: 1, remaining: 0 })).toBe(true);
    // A single-host fleet succeeds only if that host does.
    expect(deploymentSucceeded(oneAtATime, { fleetSize: 1, succeeded: 0, failed: 1, remaining: 0 })).toBe(false);
  });

  it('AllAtOnce succeeds with one success and fails only when every host fails', () => {
    expect(deploymentSucceeded(allAtOnce, { fleetSize: 4, succeeded: 1, failed: 3, remaining: 0 })).toBe(true);
    expect(healthConstraintsBroken(allAtOnce, { fleetSize: 4, succeeded: 0, failed: 4, remaining: 0 })).toBe(true);
    expect(deploymentSucceeded(allAtOnce, { fleetSize: 4, succeeded: 0, failed: 4, remaining: 0 })).toBe(false);
  });

  it('HalfAtATime with 9 hosts needs 5 successes', () => {
    expect(deploymentSucceeded(halfAtATime, { fleetSize: 9, succeeded: 5, failed: 4, remaining: 0 })).toBe(true);
    expect(healthConstraintsBroken(halfAtATime, { fleetSize: 9, succeeded: 0, failed: 4, remaining: 5 })).toBe(false);
    expect(healthConstraintsBroken(halfAtATime, { fleetSize: 9, succeeded: 0, failed: 5, remaining: 4 })).toBe(true);
  });
});
