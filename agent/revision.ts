/**
 * DownloadBundle's work: fetch the pinned revision (S3 object version/ETag, URL digest, local path),
 * verify it, and extract it safely into the deployment's archive directory. Also prunes the group's
 * old revisions as the CodeDeploy agent does.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveBundleType, RevisionLocation } from '../workflows/contracts/revision.js';
import { describeRevision, localBundleType, normalizeETag } from '../workflows/contracts/revision.js';
import type { ArchiveLimits } from './archive.js';
import { ArchiveError, DEFAULT_ARCHIVE_LIMITS, extractArchive } from './archive.js';

/** The revision cannot be found, read or trusted; the message says which and why. */
export class RevisionError extends Error {
  override readonly name = 'RevisionError';
  constructor(
    message: string,
    readonly kind: 'RevisionNotFound' | 'InvalidRevision',
  ) {
    super(message);
  }
}

export interface FetchOptions {
  /** The deployment's directory; downloads are staged here and removed after extraction. */
  deploymentDir: string;
  /** Emptied, then filled with the revision's content. */
  archiveDir: string;
  s3: () => S3Client;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
  /** Called as bytes arrive, for heartbeat details. */
  onProgress?: (bytes: number) => void;
}

export interface FetchedRevision {
  /** Bytes of the downloaded or read archive (0 for a directory). */
  bytes: number;
  /** SHA-256 of the archive, hex (absent for a directory). */
  sha256?: string;
}

/** Streams `source` to `file`, hashing and counting, and refusing to go past `maxBytes`. */
async function download(source: Readable, file: string, maxBytes: number, label: string, options: FetchOptions): Promise<FetchedRevision> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(new RevisionError(`${label} is larger than the revision size limit of ${maxBytes} bytes`, 'InvalidRevision'));
        return;
      }
      hash.update(chunk);
      options.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  await pipeline(source, meter, createWriteStream(file), { signal: options.signal });
  return { bytes, sha256: hash.digest('hex') };
}

async function hashFile(file: string, options: FetchOptions): Promise<FetchedRevision> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { signal: options.signal })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    options.onProgress?.(bytes);
  }
  return { bytes, sha256: hash.digest('hex') };
}

function checkDigest(label: string, expected: string | undefined, actual: string | undefined): void {
  if (expected !== undefined && expected !== actual) {
    throw new RevisionError(`${label} has SHA-256 ${actual ?? '(none)'}, but the deployment pinned ${expected}; refusing to install it`, 'InvalidRevision');
  }
}

async function fetchS3(revision: Extract<RevisionLocation, { revisionType: 'S3' }>, file: string, maxBytes: number, options: FetchOptions): Promise<FetchedRevision> {
  const { bucket, key, version, eTag } = revision.s3Location;
  const label = describeRevision(revision);
  let response;
  try {
    response = await options.s3().send(
      new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: version, IfMatch: eTag ? `"${normalizeETag(eTag)}"` : undefined }),
      { abortSignal: options.signal },
    );
  } catch (err) {
    const name = (err as Error).name;
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'PreconditionFailed' || status === 412) {
      throw new RevisionError(`${label} changed since the deployment started: its ETag is no longer ${eTag}`, 'InvalidRevision');
    }
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NoSuchVersion' || status === 404) {
      throw new RevisionError(`${label} does not exist (${name})`, 'RevisionNotFound');
    }
    throw new RevisionError(`${label} could not be downloaded: ${(err as Error).message}`, 'RevisionNotFound');
  }
  if (eTag && response.ETag && normalizeETag(response.ETag) !== normalizeETag(eTag)) {
    throw new RevisionError(`${label} has ETag ${normalizeETag(response.ETag)}, but the deployment pinned ${normalizeETag(eTag)}`, 'InvalidRevision');
  }
  if ((response.ContentLength ?? 0) > maxBytes) {
    throw new RevisionError(`${label} is ${response.ContentLength} bytes, over the revision size limit of ${maxBytes} bytes`, 'InvalidRevision');
  }
  return download(response.Body as Readable, file, maxBytes, label, options);
}

async function fetchUrl(revision: Extract<RevisionLocation, { revisionType: 'URL' }>, file: string, maxBytes: number, options: FetchOptions): Promise<FetchedRevision> {
  const { url, sha256 } = revision.url;
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new RevisionError(`${url} could not be downloaded: ${cause?.message ?? (err as Error).message}`, 'RevisionNotFound');
  }
  if (!response.ok || !response.body) {
    throw new RevisionError(`${url} answered HTTP ${response.status} ${response.statusText}`, 'RevisionNotFound');
  }
  const fetched = await download(Readable.fromWeb(response.body as WebReadableStream), file, maxBytes, url, options);
  checkDigest(url, sha256, fetched.sha256);
  return fetched;
}

/**
 * Fetches, verifies and extracts the revision into `archiveDir`. A failure leaves no partial revision
 * behind: the archive directory is removed, and so is any staged download.
 */
export async function fetchRevision(revision: RevisionLocation, options: FetchOptions): Promise<FetchedRevision> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  await rm(options.archiveDir, { recursive: true, force: true });
  await mkdir(options.deploymentDir, { recursive: true });
  const label = describeRevision(revision);
  let archive: { file: string; bundleType: ArchiveBundleType; staged: boolean } | undefined;
  let fetched: FetchedRevision = { bytes: 0 };
  try {
    switch (revision.revisionType) {
      case 'S3':
      case 'URL': {
        const bundleType = revision.revisionType === 'S3' ? revision.s3Location.bundleType : revision.url.bundleType;
        const file = join(options.deploymentDir, `bundle.${bundleType}`);
        archive = { file, bundleType, staged: true };
        fetched = revision.revisionType === 'S3' ? await fetchS3(revision, file, limits.maxBytes, options) : await fetchUrl(revision, file, limits.maxBytes, options);
        break;
      }
      case 'Local': {
        const { path, sha256 } = revision.local;
        let info;
        try {
          info = await stat(path);
        } catch {
          throw new RevisionError(`revision ${path} does not exist on this host`, 'RevisionNotFound');
        }
        const bundleType = localBundleType(revision.local);
        if (bundleType === 'directory') {
          if (!info.isDirectory()) throw new RevisionError(`revision ${path} is not a directory (give bundleType tar, tgz or zip for an archive)`, 'InvalidRevision');
          // Copied, links kept as links, so the revision cannot change under the host while it deploys.
          await cp(path, options.archiveDir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
          return fetched;
        }
        if (!info.isFile()) throw new RevisionError(`revision ${path} is not a ${bundleType} file`, 'InvalidRevision');
        archive = { file: path, bundleType, staged: false };
        if (sha256 !== undefined) {
          fetched = await hashFile(path, options);
          checkDigest(path, sha256, fetched.sha256);
        }
        break;
      }
    }
    await extractArchive({ file: archive.file, bundleType: archive.bundleType, root: options.archiveDir, limits, label });
    return fetched;
  } catch (err) {
    await rm(options.archiveDir, { recursive: true, force: true });
    if (err instanceof ArchiveError) throw new RevisionError(err.message, 'InvalidRevision');
    throw err;
  } finally {
    if (archive?.staged) await rm(archive.file, { force: true });
  }
}

/**
 * CodeDeploy's revision retention: before a new download, keep at most `maxRevisions` deployment
 * directories of the group (the new one included), deleting the oldest first and never the last
 * successful one.
 */
export async function pruneRevisions(groupDir: string, options: { current: string; lastSuccessful?: string; maxRevisions: number }): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(groupDir);
  } catch {
    return [];
  }
  const others = names.map((name) => join(groupDir, name)).filter((dir) => dir !== options.current);
  const extra = others.length - options.maxRevisions + 1;
  if (extra <= 0) return [];
  const candidates = await Promise.all(
    others.filter((dir) => dir !== options.lastSuccessful).map(async (dir) => ({ dir, mtime: (await stat(dir)).mtimeMs })),
  );
  candidates.sort((a, b) => a.mtime - b.mtime);
  const removed = candidates.slice(0, extra).map((c) => c.dir);
  for (const dir of removed) await rm(dir, { recursive: true, force: true });
  return removed;
}
