import { ApplicationFailure } from '@temporalio/activity';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FailureType } from '../workflows/contracts/errors.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import { describeRevision, normalizeETag } from '../workflows/contracts/revision.js';

/**
 * Pins an S3 revision when its deployment starts: the object's version (for a versioned bucket) and
 * ETag are looked up once and written into the deployment, and every host then downloads exactly
 * that object or fails. A missing object, or an ETag that differs from the one given, fails the
 * deployment before any host is touched.
 */
export async function pinS3Revision(s3: S3Client, revision: Extract<RevisionLocation, { revisionType: 'S3' }>): Promise<RevisionLocation> {
  const { bucket, key, version, eTag } = revision.s3Location;
  const label = describeRevision(revision);
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: version }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || status === 400) {
      throw ApplicationFailure.create({
        type: FailureType.RevisionNotFound,
        message: `The revision ${label} cannot be found (${(err as Error).name}, HTTP ${status}): check the bucket, key${version ? ' and version' : ''}, and the controller's S3 access.`,
        nonRetryable: true,
      });
    }
    throw err; // transient: the activity's retry policy tries again
  }
  const actual = normalizeETag(head.ETag ?? '');
  if (eTag !== undefined && normalizeETag(eTag) !== actual) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidRevision,
      message: `The revision ${label} has ETag ${actual}, not the ${normalizeETag(eTag)} the deployment asked for.`,
      nonRetryable: true,
    });
  }
  const pinnedVersion = version ?? (head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined);
  return { revisionType: 'S3', s3Location: { ...revision.s3Location, eTag: actual, ...(pinnedVersion ? { version: pinnedVersion } : {}) } };
}
