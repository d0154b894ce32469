import { describe, expect, it } from 'vitest';
import { selects, validateTargetSelection, type TargetSelection } from '../../../workflows/contracts/targets.js';

const web = { Name: 'web-1', env: 'prod', role: 'web' };
const db = { Name: 'db-1', env: 'prod', role: 'db' };
const stagingWeb = { Name: 'web-9', env: 'staging', role: 'web' };

describe('workflows/contracts/targets: CodeDeploy tag semantics', () => {
  it.each<[string, TargetSelection, boolean[]]>([
    // selection, [web, db, stagingWeb]
    ['KEY_AND_VALUE', { tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] }, [true, false, true]],
    ['KEY_ONLY', { tagFilters: [{ Key: 'role', Type: 'KEY_ONLY' }] }, [true, true, true]],
    ['VALUE_ONLY matches the value under any key', { tagFilters: [{ Value: 'staging', Type: 'VALUE_ONLY' }] }, [false, false, true]],
    ['filters are ORed', { tagFilters: [{ Key: 'role', Value: 'db', Type: 'KEY_AND_VALUE' }, { Value: 'staging', Type: 'VALUE_ONLY' }] }, [false, true, true]],
    [
      'tag groups are ANDed (each group ORed inside)',
      { tagSet: [[{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }], [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }, { Key: 'role', Value: 'api', Type: 'KEY_AND_VALUE' }]] },
      [true, false, false],
    ],
    ['a value is compared exactly', { tagFilters: [{ Key: 'env', Value: 'pro', Type: 'KEY_AND_VALUE' }] }, [false, false, false]],
    ['named hosts are added to a tag selection', { targetHosts: ['h-db'], tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] }, [true, true, true]],
  ])('%s', (_name, selection, expected) => {
    expect([selects(selection, 'h-web', web), selects(selection, 'h-db', db), selects(selection, 'h-stg', stagingWeb)]).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['nothing', {}, /targets are required: targetHosts \(host IDs\), tagFilters or tagSet/],
    ['both filters and a tag set', { tagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }], tagSet: [[{ Key: 'a', Type: 'KEY_ONLY' }]] }, /tagFilters or tagSet, not both/],
    ['an unknown type', { tagFilters: [{ Key: 'a', Type: 'KEY' }] }, /tagFilters\[0\]\.Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE; got "KEY"/],
    ['KEY_AND_VALUE without a value', { tagFilters: [{ Key: 'a', Type: 'KEY_AND_VALUE' }] }, /tagFilters\[0\]\.Value must be a string/],
    ['KEY_ONLY without a key', { tagFilters: [{ Type: 'KEY_ONLY' }] }, /tagFilters\[0\]\.Key must be 1-128 characters/],
    ['four tag groups', { tagSet: [[{ Key: 'a', Type: 'KEY_ONLY' }], [{ Key: 'b', Type: 'KEY_ONLY' }], [{ Key: 'c', Type: 'KEY_ONLY' }], [{ Key: 'd', Type: 'KEY_ONLY' }]] }, /tagSet must be a list of 1-3 tag groups/],
    ['an empty group', { tagSet: [[]] }, /tagSet\[0\] must be a list of 1-10 tag filters/],
    ['a duplicate host', { targetHosts: ['a', 'a'] }, /targetHosts lists a more than once/],
    ['a bad host ID', { targetHosts: ['../x'] }, /targetHosts entry "\.\.\/x" is not a valid host ID/],
  ])('refuses %s', (_name, selection, message) => {
    expect(validateTargetSelection(selection).join('; ')).toMatch(message);
  });
});
