import { describe, expect, it } from 'vitest';
import { describeRevision, localBundleType, validateRevision } from '../../../workflows/contracts/revision.js';

const sha = 'a'.repeat(64);

describe('workflows/contracts/revision', () => {
  it.each([
    [{ revisionType: 'S3', s3Location: { bucket: 'my-bucket', key: 'app/v1.tgz', bundleType: 'tgz' } }],
    [{ revisionType: 'S3', s3Location: { bucket: 'my-bucket', key: 'a.zip', bundleType: 'zip', version: 'v1', eTag: '"abc"' } }],
    [{ revisionType: 'URL', url: { url: 'https://example.com/a.tar', sha256: sha, bundleType: 'tar' } }],
    [{ revisionType: 'Local', local: { path: '/srv/rev' } }],
    [{ revisionType: 'Local', local: { path: '/srv/rev.tgz', sha256: sha } }],
    [{ revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web.site', commitId: 'b'.repeat(40) } }],
  ])('accepts %j', (revision) => expect(validateRevision(revision)).toEqual([]));

  it.each([
    ['a bad bucket', { revisionType: 'S3', s3Location: { bucket: 'Bad_Bucket', key: 'k', bundleType: 'tgz' } }, /s3Location\.bucket .*"Bad_Bucket"/],
    ['a missing key', { revisionType: 'S3', s3Location: { bucket: 'bucket', bundleType: 'tgz' } }, /s3Location\.key/],
    ['an unknown bundle type', { revisionType: 'S3', s3Location: { bucket: 'bucket', key: 'k', bundleType: 'rar' } }, /bundleType must be one of tar, tgz, zip; got "rar"/],
    ['plain http', { revisionType: 'URL', url: { url: 'http://example.com/a.tgz', sha256: sha, bundleType: 'tgz' } }, /url\.url must be an https:\/\/ URL/],
    ['a URL without a digest', { revisionType: 'URL', url: { url: 'https://example.com/a.tgz', bundleType: 'tgz' } }, /url\.sha256 must be 64 lower-case hex digits/],
    ['a pinned directory', { revisionType: 'Local', local: { path: '/srv/rev', sha256: sha } }, /a directory cannot be pinned/],
    ['an unknown type', { revisionType: 'CodeCommit' }, /revisionType must be "S3", "GitHub", "Local" or "URL"; got "CodeCommit"/],
    ['a GitHub location without an object', { revisionType: 'GitHub' }, /gitHubLocation must be an object with repository/],
    ['a GitHub branch instead of a commit', { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web', commitId: 'main' } }, /commitId must be the full commit SHA .*got "main"/],
    ['a short commit SHA', { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web', commitId: 'abc1234' } }, /commitId must be the full commit SHA/],
    ['a repository without an owner', { revisionType: 'GitHub', gitHubLocation: { repository: 'web', commitId: 'b'.repeat(40) } }, /repository must be "owner\/repository"; got "web"/],
    ['a repository that climbs', { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/..', commitId: 'b'.repeat(40) } }, /repository must be "owner\/repository"/],
  ])('rejects %s, naming the field', (_name, revision, message) => expect(validateRevision(revision).join('\n')).toMatch(message));

  it('infers a local bundle type from the extension, and describes revisions readably', () => {
    expect(['/a.tgz', '/a.tar.gz', '/a.tar', '/a.zip', '/dir'].map((path) => localBundleType({ path }))).toEqual(['tgz', 'tgz', 'tar', 'zip', 'directory']);
    expect(describeRevision({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'k.tgz', bundleType: 'tgz', version: '3' } })).toBe('s3://b/k.tgz?versionId=3');
    expect(describeRevision({ revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web', commitId: 'b'.repeat(40) } })).toBe(`github:acme/web@${'b'.repeat(40)}`);
  });

  it('refuses GitHub revisions for Lambda deployments', () => {
    expect(validateRevision({ revisionType: 'GitHub', gitHubLocation: { repository: 'acme/web', commitId: 'b'.repeat(40) } }, 'Lambda').join('\n')).toMatch(/GitHub is for Server deployments/);
  });
});
