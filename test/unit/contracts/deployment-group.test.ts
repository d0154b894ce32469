import { describe, expect, it } from 'vitest';
import { rollsBack, validateGroupConfig } from '../../../workflows/contracts/deployment-group.js';
import { validateTriggers } from '../../../workflows/contracts/triggers.js';

const valid = { applicationName: 'shop', deploymentGroupName: 'prod', tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] };

describe('workflows/contracts/deployment-group', () => {
  it('accepts a group with targets and every optional setting', () => {
    expect(
      validateGroupConfig({
        ...valid,
        deploymentConfigName: 'HalfAtATime',
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
        outdatedInstancesStrategy: 'IGNORE',
        concurrentDeployments: 'REFUSE',
        alarmConfiguration: { enabled: true, alarms: [{ name: 'errors' }], ignorePollAlarmFailure: true },
        triggerConfigurations: [{ triggerName: 'ops', triggerTargetUrl: 'https://hooks.example.com/x', triggerEvents: ['DeploymentFailure'] }],
      }),
    ).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no targets', { applicationName: 'shop', deploymentGroupName: 'prod' }, /targets are required/],
    ['an unknown rollback event', { ...valid, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_SLOW'] } }, /"DEPLOYMENT_SLOW" is not one of DEPLOYMENT_FAILURE/],
    ['eleven alarms', { ...valid, alarmConfiguration: { enabled: true, alarms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}` })) } }, /lists 11 alarms; at most 10/],
    ['alarms enabled with none listed', { ...valid, alarmConfiguration: { enabled: true, alarms: [] } }, /enabled but lists no alarms/],
    ['a bad queueing choice', { ...valid, concurrentDeployments: 'PARALLEL' }, /concurrentDeployments must be QUEUE or REFUSE; got "PARALLEL"/],
  ])('refuses %s', (_name, config, message) => {
    expect(validateGroupConfig(config).join('; ')).toMatch(message);
  });

  it('rolls back only for the configured events, and only when enabled', () => {
    const config = { enabled: true, events: ['DEPLOYMENT_FAILURE' as const] };
    expect(rollsBack(config, 'failed')).toBe(true);
    expect(rollsBack(config, 'stoppedOnAlarm')).toBe(false);
    expect(rollsBack({ ...config, enabled: false }, 'failed')).toBe(false);
    expect(rollsBack(undefined, 'failed')).toBe(false);
  });

  it.each<[string, unknown, RegExp]>([
    ['a non-http URL', [{ triggerName: 't', triggerTargetUrl: 'arn:aws:sns:us-east-1:1:topic', triggerEvents: ['DeploymentStart'] }], /triggerTargetUrl must be an http\(s\) URL/],
    ['an unknown event', [{ triggerName: 't', triggerTargetUrl: 'http://x/', triggerEvents: ['DeploymentMaybe'] }], /"DeploymentMaybe" is not a trigger event/],
    ['no events', [{ triggerName: 't', triggerTargetUrl: 'http://x/', triggerEvents: [] }], /triggerEvents must list one or more/],
  ])('refuses a trigger with %s', (_name, triggers, message) => {
    expect(validateTriggers(triggers).join('; ')).toMatch(message);
  });
});
