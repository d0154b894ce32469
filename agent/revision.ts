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
import type { S3ClientOnDemand } from '../workers/s3-client.js';
import type { ArchiveBundleType, GitHubLocation, RevisionLocation } from '../workflows/contracts/revision.js';
import { describeRevision, localBundleType, normalizeETag } from '../workflows/contracts/revision.js';
import type { ArchiveLimits } from './archive.js';
import { describeFsError, isDiskFull } from './fs-errors.js';
import { ARCHIVE_READ_CHUNK_BYTES, ArchiveError, DEFAULT_ARCHIVE_LIMITS, extractArchive } from './archive.js';

/** The revision cannot be found, read or trusted; the message says which and why. */
export class RevisionError extends Error {
  override readonly name = 'RevisionError';
  constructor(
    message: string,
    readonly kind: 'RevisionNotFound' | 'InvalidRevision' | 'DiskFull',
    /** For HTTP sources: the status answered, and whether asking again may succeed (5xx, 429, no connection). */
    readonly http: { status?: number; transient?: boolean } = {},
  ) {
    super(message);
  }
}

/** How long a download may go without a byte before it fails (a server trickling bytes holds nothing for hours). */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** Redirects a URL revision may follow, each to https again. */
const MAX_REDIRECTS = 5;

/** Where a host reads GitHub revisions: the REST API (api.github.com, or GitHub Enterprise's) and its token. */
export interface GitHubAccess {
  /** Default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3. */
  apiUrl: string;
  /** Sent to the API host only, never to the archive host it redirects to; absent for public repositories. */
  token?: string;
  /** Waits before each retry of an answer that may be transient (5xx, 429, no connection); CodeDeploy's agent waits 10, 30, 90 s. */
  retryDelaysMs?: readonly number[];
}

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_RETRY_DELAYS_MS = [10_000, 30_000, 90_000] as const;

export interface FetchOptions {
  /** The deployment's directory; downloads are staged here and removed after extraction. */
  deploymentDir: string;
  /** Emptied, then filled with the revision's content. */
  archiveDir: string;
  s3: S3ClientOnDemand;
  github?: GitHubAccess;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
  /** Called as bytes arrive, for heartbeat details. */
  onProgress?: (bytes: number) => void;
  /** A download that receives nothing for this long fails (default 60 s). */
  stallTimeoutMs?: number;
}

export interface FetchedRevision {
  /** Bytes of the downloaded or read archive (0 for a directory). */
  bytes: number;
  /** SHA-256 of the archive, hex (absent for a directory). */
  sha256?: string;
}

/** Counts and hashes an archive's bytes as they pass, refusing to go past `maxBytes`. */
class ArchiveMeter extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly label: string,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super({ highWaterMark: ARCHIVE_READ_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new RevisionError(`${this.label} is larger than the revision size limit of ${this.maxBytes} bytes`, 'InvalidRevision'));
      return;
    }
    this.hash.update(chunk);
    this.onProgress?.(this.bytes);
    done(null, chunk);
  }

  result(): FetchedRevision {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/**
 * Fails a download that stops sending: no chunk for `ms` while the reader waits for one. Time spent
 * waiting on a slow consumer (the extraction writing to disk) does not count as a stall.
 */
class StallGuard extends Transform {
  private timer?: NodeJS.Timeout;
  private bytes = 0;

  constructor(
    private readonly ms: number,
    private readonly label: string,
  ) {
    super({ highWaterMark: ARCHIVE_READ_CHUNK_BYTES });
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.readableLength >= this.readableHighWaterMark) {
        this.arm(); // the consumer is behind, not the server
        return;
      }
      this.destroy(new RevisionError(`${this.label}: the download stalled: no data arrived for ${Math.round(this.ms / 1000)} s (after ${this.bytes} bytes)`, 'RevisionNotFound'));
    }, this.ms);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.arm();
    done(null, chunk);
  }

  override _flush(done: () => void): void {
    clearTimeout(this.timer);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearTimeout(this.timer);
    done(err);
  }
}

/** The source stream, watched for stalls. */
function guarded(stream: Readable, label: string, options: FetchOptions): Readable {
  const guard = new StallGuard(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, label);
  stream.on('error', (err) => guard.destroy(err));
  guard.on('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return stream.pipe(guard);
}

interface ArchiveSource {
  stream: Readable;
  bundleType: ArchiveBundleType;
  label: string;
  maxBytes: number;
  /** Where a zip is staged (it is read from its end); removed afterwards. */
  stagingFile: string;
}

/**
 * Reads an archive once, start to end: counted, hashed and extracted as it arrives (tar, tgz), or
 * staged first (zip). A download is never written to disk twice, nor a local archive read twice.
 */
async function readArchive(source: ArchiveSource, options: FetchOptions, limits: ArchiveLimits): Promise<FetchedRevision> {
  const meter = new ArchiveMeter(source.maxBytes, source.label, options.onProgress);
  if (source.bundleType === 'zip') {
    try {
      await pipeline(source.stream, meter, createWriteStream(source.stagingFile), { signal: options.signal });
      await extractArchive({ file: source.stagingFile, bundleType: 'zip', root: options.archiveDir, limits, label: source.label });
    } finally {
      await rm(source.stagingFile, { force: true });
    }
    return meter.result();
  }
  // Whichever side fails first (size limit, lost connection, cancellation, a refused entry) ends both.
  const extraction = extractArchive({ file: meter, bundleType: source.bundleType, root: options.archiveDir, limits, label: source.label });
  const reading = pipeline(source.stream, meter, { signal: options.signal }).catch((err: unknown) => {
    meter.destroy(err as Error);
    throw err;
  });
  const [read, extracted] = await Promise.allSettled([reading, extraction]);
  // A refused entry stops the extraction, which closes the read early: report the entry, not the close.
  const closedEarly = read.status === 'rejected' && (read.reason as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
  if (read.status === 'rejected' && !(closedEarly && extracted.status === 'rejected')) throw read.reason;
  if (extracted.status === 'rejected') throw extracted.reason;
  return meter.result();
}

function checkDigest(label: string, expected: string | undefined, actual: string | undefined): void {
  if (expected !== undefined && expected !== actual) {
    throw new RevisionError(`${label} has SHA-256 ${actual ?? '(none)'}, but the deployment pinned ${expected}; refusing to install it`, 'InvalidRevision');
  }
}

async function openS3(revision: Extract<RevisionLocation, { revisionType: 'S3' }>, maxBytes: number, options: FetchOptions): Promise<Readable> {
  const { bucket, key, version, eTag } = revision.s3Location;
  const label = describeRevision(revision);
  let response;
  try {
    const [s3, { GetObjectCommand }] = await Promise.all([options.s3(), import('@aws-sdk/client-s3')]);
    response = await s3.send(
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
  const body = response.Body as Readable;
  const refuse = (error: RevisionError): never => {
    body.destroy();
    throw error;
  };
  if (eTag && response.ETag && normalizeETag(response.ETag) !== normalizeETag(eTag)) {
    refuse(new RevisionError(`${label} has ETag ${normalizeETag(response.ETag)}, but the deployment pinned ${normalizeETag(eTag)}`, 'InvalidRevision'));
  }
  if ((response.ContentLength ?? 0) > maxBytes) {
    refuse(new RevisionError(`${label} is ${response.ContentLength} bytes, over the revision size limit of ${maxBytes} bytes`, 'InvalidRevision'));
  }
  return body;
}

/** How a download is requested: extra headers per hop, and how a hop's URL is named in errors. */
interface UrlRequest {
  headersFor?: (url: URL) => Record<string, string>;
  /** The URL as errors show it (a redirect's signed query string is a credential). */
  shown?: (url: URL) => string;
}

/**
 * Opens an https URL, following at most MAX_REDIRECTS redirects and only to https: a redirect to
 * http would let anyone on the path swap the bytes before the digest is checked.
 */
async function openUrl(url: string, options: FetchOptions, request: UrlRequest = {}): Promise<{ stream: Readable; announcedBytes?: number }> {
  let current = new URL(url);
  const shown = (at: URL): string => (request.shown ? request.shown(at) : at.href === new URL(url).href ? url : at.href);
  for (let hop = 0; ; hop += 1) {
    let response: Response;
    try {
      response = await fetch(current, { signal: options.signal, redirect: 'manual', headers: request.headersFor?.(current) ?? {} });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      throw new RevisionError(`${shown(current)} could not be downloaded: ${cause?.message ?? (err as Error).message}`, 'RevisionNotFound', { transient: true });
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, current);
      if (next.protocol !== 'https:') {
        throw new RevisionError(`${shown(new URL(url))} redirects to ${shown(next)}, which is not https; refusing the downgrade`, 'InvalidRevision');
      }
      if (hop >= MAX_REDIRECTS) throw new RevisionError(`${shown(new URL(url))} redirects more than ${MAX_REDIRECTS} times`, 'RevisionNotFound');
      current = next;
      continue;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new RevisionError(`${shown(current)} answered HTTP ${response.status} ${response.statusText}`, 'RevisionNotFound', { status: response.status, transient: response.status === 429 || response.status >= 500 });
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    return { stream: Readable.fromWeb(response.body as WebReadableStream), ...(Number.isFinite(length) ? { announcedBytes: length } : {}) };
  }
}

/**
 * Downloads a URL revision to a staging file, counted and hashed on the way, so its digest is checked
 * before a single entry is extracted. A connection that ends early is named as such.
 */
async function stageUrl(url: string, staged: string, maxBytes: number, options: FetchOptions): Promise<FetchedRevision> {
  const { stream, announcedBytes } = await openUrl(url, options);
  if (announcedBytes !== undefined && announcedBytes > maxBytes) {
    stream.destroy();
    throw new RevisionError(`${url} is ${announcedBytes} bytes, over the revision size limit of ${maxBytes} bytes`, 'InvalidRevision');
  }
  const meter = new ArchiveMeter(maxBytes, url, options.onProgress);
  try {
    await pipeline(guarded(stream, url, options), meter, createWriteStream(staged), { signal: options.signal });
  } catch (err) {
    if (err instanceof RevisionError || (err as Error).name === 'AbortError') throw err;
    const received = meter.result().bytes;
    const expected = announcedBytes !== undefined ? `, before the ${announcedBytes} bytes its Content-Length announced` : '';
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new RevisionError(`${url}: the connection closed after ${received} bytes${expected} (${cause})`, 'RevisionNotFound');
  }
  const fetched = meter.result();
  if (announcedBytes !== undefined && fetched.bytes !== announcedBytes) {
    throw new RevisionError(`${url}: the download ended after ${fetched.bytes} bytes, but its Content-Length announced ${announcedBytes}`, 'RevisionNotFound');
  }
  return fetched;
}

/**
 * Fetches, verifies and extracts the revision into `archiveDir`. A failure leaves no partial revision
 * behind: the archive directory is removed, and so is any staged download. A URL revision is staged
 * and its digest checked before anything is extracted. A local archive's pinned SHA-256 is checked as
 * it is read (staging a file already on the host would only add a second read, and a window for it to
 * change), and a mismatch removes what was extracted: nothing runs from it. S3 objects are pinned by
 * version and ETag, which S3 checks itself (If-Match).
 */
export async function fetchRevision(revision: RevisionLocation, options: FetchOptions): Promise<FetchedRevision> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  await rm(options.archiveDir, { recursive: true, force: true });
  await mkdir(options.deploymentDir, { recursive: true });
  const label = describeRevision(revision);
  const staging = (bundleType: ArchiveBundleType): string => join(options.deploymentDir, `bundle.${bundleType}`);
  try {
    switch (revision.revisionType) {
      case 'S3': {
        const { bundleType } = revision.s3Location;
        if (bundleType === 'YAML' || bundleType === 'JSON') throw new RevisionError(`revision ${label} is a Lambda AppSpec (bundleType ${bundleType}); hosts install tar, tgz or zip archives`, 'InvalidRevision');
        const stream = guarded(await openS3(revision, limits.maxBytes, options), label, options);
        return await readArchive({ stream, bundleType, label, maxBytes: limits.maxBytes, stagingFile: staging(bundleType) }, options, limits);
      }
      case 'URL': {
        // The bytes can be staged, so nothing is extracted before the digest is known to match.
        const { url, sha256, bundleType } = revision.url;
        const staged = staging(bundleType);
        try {
          const fetched = await stageUrl(url, staged, limits.maxBytes, options);
          checkDigest(url, sha256, fetched.sha256);
          await extractArchive({ file: staged, bundleType, root: options.archiveDir, limits, label: url });
          return fetched;
        } finally {
          await rm(staged, { force: true });
        }
      }
      case 'GitHub': {
        // The tarball endpoint's archive is gzipped tar with one top directory (owner-repo-sha), which
        // extraction strips as CodeDeploy's agent does.
        const stream = guarded(await openGitHub(revision.gitHubLocation, limits.maxBytes, options), label, options);
        return await readArchive({ stream, bundleType: 'tgz', label, maxBytes: limits.maxBytes, stagingFile: staging('tgz') }, options, limits);
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
          return { bytes: 0 };
        }
        if (!info.isFile()) throw new RevisionError(`revision ${path} is not a ${bundleType} file`, 'InvalidRevision');
        if (bundleType === 'zip') {
          // A local zip is read where it is; it is hashed first only when the deployment pinned a digest.
          const fetched = sha256 === undefined ? { bytes: info.size } : await hashFile(path, options);
          checkDigest(path, sha256, fetched.sha256);
          await extractArchive({ file: path, bundleType, root: options.archiveDir, limits, label });
          return fetched;
        }
        const stream = createReadStream(path, { highWaterMark: ARCHIVE_READ_CHUNK_BYTES });
        const fetched = await readArchive({ stream, bundleType, label: path, maxBytes: Number.POSITIVE_INFINITY, stagingFile: staging(bundleType) }, options, limits);
        checkDigest(path, sha256, fetched.sha256);
        return sha256 === undefined ? { bytes: fetched.bytes } : fetched;
      }
      case 'AppSpecContent':
        throw new RevisionError('an AppSpecContent revision is a Lambda AppSpec; hosts install tar, tgz or zip archives', 'InvalidRevision');
    }
  } catch (err) {
    await rm(options.archiveDir, { recursive: true, force: true });
    if (err instanceof ArchiveError) throw new RevisionError(err.message, isDiskFull(err.cause) ? 'DiskFull' : 'InvalidRevision');
    if (isDiskFull(err)) throw new RevisionError(describeFsError(`${label} could not be stored in`, options.deploymentDir, err), 'DiskFull');
    throw err;
  }
}

/**
 * Opens a commit's archive: GET {api}/repos/{owner}/{repo}/tarball/{sha}, which GitHub answers with a
 * redirect to its archive host. The token goes to the API's origin only, and errors name the commit,
 * never a redirect's signed URL. Transient answers are asked again after CodeDeploy's waits.
 */
async function openGitHub(location: GitHubLocation, maxBytes: number, options: FetchOptions): Promise<Readable> {
  const access = options.github ?? { apiUrl: DEFAULT_GITHUB_API_URL };
  const api = new URL(access.apiUrl.endsWith('/') ? access.apiUrl : `${access.apiUrl}/`);
  const label = `GitHub commit ${location.repository}@${location.commitId}`;
  const endpoint = new URL(`repos/${location.repository}/tarball/${location.commitId}`, api);
  const request: UrlRequest = {
    headersFor: (url) => ({
      'user-agent': 'gantry-agent',
      ...(url.origin === api.origin ? { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', ...(access.token ? { authorization: `Bearer ${access.token}` } : {}) } : {}),
    }),
    shown: (url) => (url.origin === api.origin ? `${label} (${url.origin}${url.pathname})` : `${label} (its archive at ${url.origin})`),
  };
  const opened = await withRetries(access.retryDelaysMs ?? GITHUB_RETRY_DELAYS_MS, options.signal, async () => {
    try {
      return await openUrl(endpoint.href, options, request);
    } catch (err) {
      if (!(err instanceof RevisionError)) throw err;
      const status = err.http.status;
      if (status === 404) throw new RevisionError(`${label} was not found: the repository or the commit does not exist, or the repository is private and ${access.token ? "the agent's token cannot read it" : 'the agent has no GitHub token (set GANTRY_GITHUB_TOKEN or --github-token-file)'} (HTTP 404)`, 'RevisionNotFound');
      if (status === 401) throw new RevisionError(`${label}: GitHub refused the agent's token (HTTP 401): it is wrong, expired or revoked`, 'RevisionNotFound');
      if (status === 403) throw new RevisionError(`${label}: GitHub refused access (HTTP 403): the token lacks permission to read the repository's contents, or the API's rate limit is spent`, 'RevisionNotFound');
      throw err;
    }
  });
  if (opened.announcedBytes !== undefined && opened.announcedBytes > maxBytes) {
    opened.stream.destroy();
    throw new RevisionError(`${label} is ${opened.announcedBytes} bytes, over the revision size limit of ${maxBytes} bytes`, 'InvalidRevision');
  }
  return opened.stream;
}

/** Runs `attempt`, trying again after each delay while it fails with a transient RevisionError. */
export async function withRetries<T>(delaysMs: readonly number[], signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (err) {
      const delay = delaysMs[retry];
      if (!(err instanceof RevisionError) || !err.http.transient || delay === undefined) throw err;
      await sleepUnlessAborted(delay, signal);
    }
  }
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

async function hashFile(file: string, options: FetchOptions): Promise<FetchedRevision> {
  const meter = new ArchiveMeter(Number.POSITIVE_INFINITY, file, options.onProgress);
  await pipeline(createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK_BYTES }), meter, async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) void chunk;
  }, { signal: options.signal });
  return meter.result();
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
