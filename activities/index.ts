import type { S3Client } from '@aws-sdk/client-s3';
import type { ControllerActivities } from '../workflows/contracts/controller.js';
import { pinS3Revision } from './revision-pinning.js';

/** The cloud-side activities the controller worker serves next to the workflows. */
export function createControllerActivities(deps: { s3: () => S3Client }): ControllerActivities {
  return {
    async pinRevision(revision) {
      return revision.revisionType === 'S3' ? pinS3Revision(deps.s3(), revision) : revision;
    },
  };
}
