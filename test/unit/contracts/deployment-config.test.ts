import { describe, expect, it } from 'vitest';
import { findPredefinedConfig, minimumHealthyCount, validateCustomConfig } from '../../../workflows/contracts/deployment-config.js';

describe('workflows/contracts/deployment-config', () => {
  it('finds predefined configurations with or without the CodeDeployDefault. prefix, OneAtATime by default', () => {
    expect(findPredefinedConfig(undefined)?.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime');
    expect(findPredefinedConfig('HalfAtATime')?.deploymentConfigName).toBe('CodeDeployDefault.HalfAtATime');
    expect(findPredefinedConfig('CodeDeployDefault.AllAtOnce')?.deploymentConfigName).toBe('CodeDeployDefault.AllAtOnce');
    expect(findPredefinedConfig('ThreeAtATime')).toBeUndefined();
  });

  it('rounds FLEET_PERCENT up at the start', () => {
    expect(minimumHealthyCount({ type: 'FLEET_PERCENT', value: 50 }, 9)).toBe(5);
    expect(minimumHealthyCount({ type: 'FLEET_PERCENT', value: 95 }, 10)).toBe(10);
    expect(minimumHealthyCount({ type: 'HOST_COUNT', value: 3 }, 10)).toBe(3);
    expect(minimumHealthyCount({ type: 'MOST_CONCURRENCY', value: 1 }, 1)).toBe(0);
  });

  it('accepts custom configurations with a minimum and an optional zonal configuration', () => {
    expect(validateCustomConfig({ deploymentConfigName: 'TwoAtATime', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } })).toEqual([]);
    expect(
      validateCustomConfig({
        deploymentConfigName: 'Zonal75',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 },
        zonalConfig: { firstZoneMonitorDurationInSeconds: 900, monitorDurationInSeconds: 0, minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 1 } },
      }),
    ).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['predefined prefix', { deploymentConfigName: 'CodeDeployDefault.Mine', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }, /must not start with CodeDeployDefault\./],
    ['bad name', { deploymentConfigName: 'has space', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }, /deploymentConfigName must be 1-100 characters/],
    ['missing minimum', { deploymentConfigName: 'X' }, /minimumHealthyHosts must be an object/],
    ['unknown type', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'PERCENT', value: 1 } }, /type must be HOST_COUNT or FLEET_PERCENT; got "PERCENT"/],
    ['percent of 100', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 } }, /must be 0-99; got 100/],
    ['negative count', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'HOST_COUNT', value: -1 } }, /whole number of at least 0; got -1/],
    ['fractional bake', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, zonalConfig: { monitorDurationInSeconds: 1.5 } }, /monitorDurationInSeconds must be a whole number/],
    ['unknown zonal key', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, zonalConfig: { zones: 2 } }, /zonalConfig\.zones is not a known setting/],
    ['unknown key', { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 }, computeCapacity: 'Lambda' }, /computeCapacity is not a deployment configuration setting/],
  ])('refuses %s', (_name, config, message) => {
    expect(validateCustomConfig(config).join('; ')).toMatch(message);
  });
});
