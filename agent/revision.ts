import { cp, mkdir, rm, stat } from 'node:fs/promises';
import type { RevisionLocation } from '../workflows/contracts/deployment.js';

/** The revision cannot be found or read where the deployment says it is. */
export class RevisionError extends Error {
  override readonly name = 'RevisionError';
  constructor(
    message: string,
    readonly kind: 'RevisionNotFound' | 'InvalidRevision',
  ) {
    super(message);
  }
}

/**
 * Puts the revision's content into `archiveDir` (emptied first). Local directories are copied, links
 * kept as links, so the revision a host runs cannot change under it while it deploys.
 */
export async function fetchRevision(revision: RevisionLocation, archiveDir: string): Promise<void> {
  await rm(archiveDir, { recursive: true, force: true });
  await mkdir(archiveDir, { recursive: true });
  switch (revision.revisionType) {
    case 'Local': {
      const { path } = revision.local;
      let info;
      try {
        info = await stat(path);
      } catch {
        throw new RevisionError(`revision directory ${path} does not exist on this host`, 'RevisionNotFound');
      }
      if (!info.isDirectory()) throw new RevisionError(`revision ${path} is not a directory (bundleType "directory")`, 'InvalidRevision');
      await cp(path, archiveDir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      return;
    }
  }
}
