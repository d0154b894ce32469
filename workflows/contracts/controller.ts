import type { RevisionLocation } from './revision.js';

/**
 * Activities served by the controller worker on the controller task queue. Activity types are the
 * property names (public API).
 */
export interface ControllerActivities {
  /** Resolves the revision to exactly one object (S3 version and ETag); other revisions come back as given. */
  pinRevision(revision: RevisionLocation): Promise<RevisionLocation>;
}
