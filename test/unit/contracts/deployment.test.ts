import { describe, expect, it } from 'vitest';
import { deriveDeploymentGroupId, validateDeploymentInput } from '../../../workflows/contracts/deployment.js';

const valid = {
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  revision: { revisionType: 'Local', local: { path: '/srv/revisions/shop' } },
  targetHosts: ['web-1', 'web-2'],
};

describe('workflows/contracts/deployment', () => {
  it('accepts a valid input', () => {
    expect(validateDeploymentInput(valid)).toEqual([]);
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
