import { describe, expect, it } from 'vitest';
import type { KnownRevision } from '../../../workflows/contracts/application-revisions.js';
import { revisionInfo, revisionKey, selectRevisions, validateListRevisionsOptions, validateRegisterRevision } from '../../../workflows/contracts/application-revisions.js';
import type { RevisionLocation } from '../../../workflows/contracts/revision.js';

const s3 = (key: string): RevisionLocation => ({ revisionType: 'S3', s3Location: { bucket: 'b', key, bundleType: 'tgz' } });
const local = (path: string): RevisionLocation => ({ revisionType: 'Local', local: { path } });

describe('workflows/contracts/application-revisions', () => {
  it("takes a revision's first and last use, its groups, and registers it at its first use when nobody registered it", () => {
    const uses = [
      { deploymentId: 'd-2', deploymentGroupName: 'web', createTime: '2026-01-02T00:00:00Z' },
      { deploymentId: 'd-1', deploymentGroupName: 'api', createTime: '2026-01-01T00:00:00Z' },
      { deploymentId: 'd-3', deploymentGroupName: 'web', createTime: '2026-01-03T00:00:00Z' },
    ];
    expect(revisionInfo(undefined, uses)).toEqual({ deploymentGroups: ['api', 'web'], firstUsedTime: '2026-01-01T00:00:00Z', lastUsedTime: '2026-01-03T00:00:00Z', registerTime: '2026-01-01T00:00:00Z' });
    const registered = { applicationName: 'a', revision: s3('k'), description: 'two', registerTime: '2025-12-31T00:00:00Z' };
    expect(revisionInfo(registered, [])).toEqual({ description: 'two', deploymentGroups: [], registerTime: '2025-12-31T00:00:00Z' });
  });

  it('filters by S3 bucket and key prefix and by being a target revision, and sorts with never-used revisions last', () => {
    const known: KnownRevision[] = [
      { revision: s3('shop/1.tgz'), info: { deploymentGroups: ['web'], firstUsedTime: '2026-01-01', lastUsedTime: '2026-01-05', registerTime: '2026-01-01' } },
      { revision: s3('other/1.tgz'), info: { deploymentGroups: [], registerTime: '2026-01-03' } },
      { revision: local('/srv/r'), info: { deploymentGroups: ['web'], firstUsedTime: '2026-01-02', lastUsedTime: '2026-01-02', registerTime: '2026-01-02' } },
    ];
    const keys = (options: Parameters<typeof selectRevisions>[1], targets: string[] = []) => selectRevisions([...known], options, new Set(targets)).map((k) => revisionKey(k.revision));
    expect(keys({})).toEqual(['s3://b/other/1.tgz', 'local:/srv/r', 's3://b/shop/1.tgz']); // newest registration first
    expect(keys({ sortBy: 'firstUsedTime' })).toEqual(['s3://b/shop/1.tgz', 'local:/srv/r', 's3://b/other/1.tgz']);
    expect(keys({ sortBy: 'lastUsedTime', sortOrder: 'descending' })).toEqual(['s3://b/shop/1.tgz', 'local:/srv/r', 's3://b/other/1.tgz']);
    expect(keys({ s3Bucket: 'b', s3KeyPrefix: 'shop/' })).toEqual(['s3://b/shop/1.tgz']);
    expect(keys({ s3Bucket: 'elsewhere' })).toEqual([]);
    expect(keys({ deployed: 'include' }, ['local:/srv/r'])).toEqual(['local:/srv/r']);
    expect(keys({ deployed: 'exclude', sortBy: 'registerTime' }, ['local:/srv/r'])).toEqual(['s3://b/shop/1.tgz', 's3://b/other/1.tgz']);
  });

  it('names each bad option and a bad revision or description', () => {
    expect(validateListRevisionsOptions({ sortBy: 'size' as never, sortOrder: 'up' as never, deployed: 'maybe' as never, s3KeyPrefix: 'p/' })).toEqual([
      'sortBy must be one of registerTime, firstUsedTime, lastUsedTime; got "size"',
      'sortOrder must be ascending or descending; got "up"',
      'deployed must be one of include, exclude, ignore; got "maybe"',
      's3KeyPrefix needs s3Bucket: a key prefix is within one bucket',
    ]);
    expect(validateRegisterRevision({ applicationName: 'a', revision: local('relative'), description: 'x'.repeat(1001) }).join('\n')).toMatch(/local\.path must be an absolute path[\s\S]*description must be text of at most 1000 characters/);
    expect(validateRegisterRevision({ applicationName: 'a', revision: local('/srv/r') }, 'Lambda').join('\n')).toMatch(/Local is for Server deployments/);
  });
});
