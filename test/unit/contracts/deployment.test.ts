import { describe, expect, it } from 'vitest';
import { deriveDeploymentGroupId, usesTrafficControl, validateDeploymentInput } from '../../../workflows/contracts/deployment.js';

const valid = {
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  revision: { revisionType: 'Local', local: { path: '/srv/revisions/shop' } },
  targetHosts: ['web-1', 'web-2'],
};

describe('workflows/contracts/deployment', () => {
  it('accepts a valid input', () => {
    expect(validateDeploymentInput(valid)).toEqual([]);
    expect(validateDeploymentInput({ ...valid, formerDeploymentGroups: [{ applicationName: 'old-shop', deploymentGroupName: 'prod' }] })).toEqual([]);
  });

  it.each([
    ['not an object', 'hello', /must be a JSON object/],
    ['bad application name', { ...valid, applicationName: 'has space' }, /applicationName .*"has space"/],
    ['missing group', { ...valid, deploymentGroupName: undefined }, /deploymentGroupName/],
    ['relative revision path', { ...valid, revision: { revisionType: 'Local', local: { path: 'rel/dir' } } }, /revision\.local\.path .*"rel\/dir"/],
    ['unknown revision type', { ...valid, revision: { revisionType: 'Git' } }, /revisionType .*"Git"/],
    ['no hosts', { ...valid, targetHosts: [] }, /targetHosts must be a non-empty list/],
    ['duplicate host', { ...valid, targetHosts: ['a', 'a'] }, /lists a more than once/],
    ['bad host id', { ...valid, targetHosts: ['../etc'] }, /"\.\.\/etc" is not a valid host ID/],
    ['bad file_exists_behavior', { ...valid, fileExistsBehavior: 'MERGE' }, /fileExistsBehavior .*"MERGE"/],
    ['bad timeout', { ...valid, agentTimeouts: { heartbeatSeconds: -1 } }, /agentTimeouts\.heartbeatSeconds/],
    ['unknown timeout', { ...valid, agentTimeouts: { nap: 1 } }, /agentTimeouts\.nap is not a known setting/],
    ['a config by name and inline', { ...valid, deploymentConfigName: 'X', deploymentConfig: { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } } }, /deploymentConfigName or deploymentConfig, not both/],
    ['a bad inline config', { ...valid, deploymentConfig: { deploymentConfigName: 'X', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 120 } } }, /deploymentConfig: minimumHealthyHosts\.value .* 0-99; got 120/],
    ['updateOutdatedInstancesOnly not a boolean', { ...valid, updateOutdatedInstancesOnly: 'yes' }, /updateOutdatedInstancesOnly must be true or false; got "yes"/],
    ['no target groups', { ...valid, loadBalancerInfo: { targetGroupInfoList: [] } }, /targetGroupInfoList must list 1-10 target groups/],
    ['a bad target group name', { ...valid, loadBalancerInfo: { targetGroupInfoList: [{ name: 'web_tg' }] } }, /targetGroupInfoList\[0\]\.name must be a target group name .*"web_tg"/],
    ['a traffic timeout of an hour and more', { ...valid, loadBalancerInfo: { targetGroupInfoList: [{ name: 'web' }], trafficTimeoutSeconds: 7200 } }, /trafficTimeoutSeconds must be 1-3600 seconds; got 7200/],
    ['no targets at all', { ...valid, targetHosts: undefined }, /targets are required: targetHosts \(host IDs\), tagFilters or tagSet/],
    ['a bad former group name', { ...valid, formerDeploymentGroups: [{ applicationName: '../x', deploymentGroupName: 'web' }] }, /formerDeploymentGroups must be at most 10 .* pairs of valid names/],
    ['too many former groups', { ...valid, formerDeploymentGroups: Array.from({ length: 11 }, () => ({ applicationName: 'a', deploymentGroupName: 'b' })) }, /formerDeploymentGroups must be at most 10/],
  ])('rejects %s with a message naming the field and value', (_name, input, message) => {
    const problems = validateDeploymentInput(input);
    expect(problems.join('\n')).toMatch(message);
  });

  it('derives a stable, UUID-shaped deployment group ID that differs per group', () => {
    const id = deriveDeploymentGroupId('shop', 'prod');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(deriveDeploymentGroupId('shop', 'prod')).toBe(id);
    expect(deriveDeploymentGroupId('shop', 'staging')).not.toBe(id);
    expect(deriveDeploymentGroupId('shopp', 'rod')).not.toBe(id);
  });
});

describe('workflows/contracts/deployment: runs from before issue 12 are judged as they were', () => {
  it('without the hardened checks, a chosen group ID and a long event timeout pass as they did', () => {
    const old = { ...valid, deploymentGroupId: 'my-group', agentTimeouts: { eventSeconds: 700_000 } };
    expect(validateDeploymentInput(old)).toHaveLength(2);
    expect(validateDeploymentInput(old, { hardened: false })).toEqual([]);
    expect(validateDeploymentInput({ ...valid, deploymentGroupId: '../x' }, { hardened: false }).join()).toMatch(/deploymentGroupId must be letters/);
  });
});

describe('workflows/contracts/deployment: deploymentStyle', () => {
  const lb = { targetGroupInfoList: [{ name: 'web' }] };
  it.each([
    ['not an object', 'IN_PLACE', /deploymentStyle must be \{"deploymentType": IN_PLACE\|BLUE_GREEN/],
    ['an unknown type', { deploymentType: 'CANARY', deploymentOption: 'WITH_TRAFFIC_CONTROL' }, /deploymentStyle must be/],
    ['an unknown option', { deploymentType: 'IN_PLACE', deploymentOption: 'SOMETIMES' }, /deploymentStyle must be/],
    ['blue/green without traffic control', { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' }, /BLUE_GREEN needs deploymentOption WITH_TRAFFIC_CONTROL/],
    ['traffic control without a load balancer', { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' }, /WITH_TRAFFIC_CONTROL needs loadBalancerInfo/],
  ])('refuses %s, naming it', (_label, deploymentStyle, message) => {
    expect(validateDeploymentInput({ ...valid, deploymentStyle }).join('; ')).toMatch(message);
  });

  it('decides traffic control as CodeDeploy does, and as before when no style is given', () => {
    const withLb = { loadBalancerInfo: lb };
    expect(usesTrafficControl({})).toBe(false);
    expect(usesTrafficControl(withLb)).toBe(true);
    expect(usesTrafficControl({ ...withLb, deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } })).toBe(false);
    expect(usesTrafficControl({ ...withLb, deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' } })).toBe(true);
    expect(validateDeploymentInput({ ...valid, ...withLb, deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' } })).toEqual([]);
  });
});
