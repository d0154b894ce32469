/**
 * Where a revision comes from, and how it is pinned so that every host installs the same bytes.
 * Field names follow CodeDeploy's RevisionLocation where CodeDeploy has the concept.
 */
import { isRecord, show } from './values.js';

/** Archive formats a revision may come in (CodeDeploy's BundleType for EC2/on-premises). */
export const ARCHIVE_BUNDLE_TYPES = ['tar', 'tgz', 'zip'] as const;
export type ArchiveBundleType = (typeof ARCHIVE_BUNDLE_TYPES)[number];
export type LocalBundleType = 'directory' | ArchiveBundleType;

/** A Lambda deployment's S3 revision may also be the AppSpec itself. */
export const APPSPEC_BUNDLE_TYPES = ['YAML', 'JSON'] as const;
export type AppSpecBundleType = (typeof APPSPEC_BUNDLE_TYPES)[number];

export interface S3Location {
  bucket: string;
  key: string;
  /** tar, tgz or zip; for Lambda also YAML or JSON (the object is the AppSpec). */
  bundleType: ArchiveBundleType | AppSpecBundleType;
  /** Object version; filled in when the deployment starts if the bucket is versioned. */
  version?: string;
  /** Object ETag (quotes optional); filled in when the deployment starts, then checked by every host. */
  eTag?: string;
}

export interface LocalLocation {
  /** Absolute path on every host: a directory, or an archive file. */
  path: string;
  /** Default: from the file extension (.tar, .tgz/.tar.gz, .zip), else a directory. */
  bundleType?: LocalBundleType;
  /** Optional pin for an archive: each host checks the file's SHA-256 before using it. */
  sha256?: string;
}

export interface UrlLocation {
  /** An https:// URL. */
  url: string;
  /** Required pin: hex SHA-256 of the archive; each host checks it before extracting. */
  sha256: string;
  bundleType: ArchiveBundleType;
}

/**
 * CodeDeploy's GitHubLocation: one commit of a repository. Each host fetches that commit's archive
 * through the GitHub REST API (its own token, never the deployment's input); the full commit SHA pins it.
 */
export interface GitHubLocation {
  /** `owner/repository`. */
  repository: string;
  /** The full commit SHA (40 hex digits, or 64 in a SHA-256 repository). */
  commitId: string;
}

/** CodeDeploy's AppSpecContent: a Lambda AppSpec given inline, optionally pinned by its SHA-256. */
export interface AppSpecContent {
  content: string;
  /** Hex SHA-256 of `content`; checked when the deployment starts. */
  sha256?: string;
}

export type RevisionLocation =
  | { revisionType: 'S3'; s3Location: S3Location }
  | { revisionType: 'Local'; local: LocalLocation }
  | { revisionType: 'URL'; url: UrlLocation }
  | { revisionType: 'GitHub'; gitHubLocation: GitHubLocation }
  | { revisionType: 'AppSpecContent'; appSpecContent: AppSpecContent };

/** Inline AppSpec content is bounded like CodeDeploy's revision content. */
export const MAX_APPSPEC_CONTENT_CHARACTERS = 64 * 1024;

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** GitHub's owner and repository name rules: an owner of letters, digits and hyphens; a name of those and . _ */
const GITHUB_REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const COMMIT_SHA_PATTERN = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The bundle type a local revision is read as. */
export function localBundleType(local: LocalLocation): LocalBundleType {
  if (local.bundleType) return local.bundleType;
  if (/\.(tgz|tar\.gz)$/i.test(local.path)) return 'tgz';
  if (/\.tar$/i.test(local.path)) return 'tar';
  if (/\.zip$/i.test(local.path)) return 'zip';
  return 'directory';
}

/** Short, human-readable form of a revision, also used as a search attribute value. */
export function describeRevision(revision: RevisionLocation): string {
  switch (revision.revisionType) {
    case 'S3': {
      const { bucket, key, version } = revision.s3Location;
      return `s3://${bucket}/${key}${version ? `?versionId=${version}` : ''}`;
    }
    case 'Local':
      return `local:${revision.local.path}`;
    case 'URL':
      return revision.url.url;
    case 'GitHub':
      return `github:${revision.gitHubLocation.repository}@${revision.gitHubLocation.commitId}`;
    case 'AppSpecContent':
      return `appspec-content:${revision.appSpecContent.sha256 ?? `${revision.appSpecContent.content.length} characters`}`;
  }
}

/**
 * What makes two revisions the same bytes, for health bookkeeping and updateOutdatedInstancesOnly:
 * the location plus the pinned ETag or digest when there is one.
 */
export function revisionIdentity(revision: RevisionLocation): string {
  switch (revision.revisionType) {
    case 'S3':
      return `${describeRevision(revision)}${revision.s3Location.eTag ? `#${normalizeETag(revision.s3Location.eTag)}` : ''}`;
    case 'Local':
      return `${describeRevision(revision)}${revision.local.sha256 ? `#sha256:${revision.local.sha256}` : ''}`;
    case 'URL':
      return `${describeRevision(revision)}#sha256:${revision.url.sha256}`;
    case 'GitHub': // the commit SHA is the pin
    case 'AppSpecContent':
      return describeRevision(revision);
  }
}

/** ETags are compared without their surrounding quotes. */
export function normalizeETag(eTag: string): string {
  return eTag.replace(/^"|"$/g, '');
}



/**
 * Checks a revision location; one message per problem, each naming the field and the bad value.
 * Lambda deployments take an AppSpec (inline, or an S3 object that is one or holds appspec.yaml).
 */
export function validateRevision(revision: unknown, platform: 'Server' | 'Lambda' = 'Server'): string[] {
  const example = '{"revisionType":"S3","s3Location":{"bucket":"b","key":"app.tgz","bundleType":"tgz"}}';
  if (!isRecord(revision)) return [`revision must be an object such as ${example}; got ${show(revision)}`];
  const problems: string[] = [];
  const bundleTypes = (allowed: readonly string[], where: string, value: unknown): void => {
    if (!allowed.includes(String(value))) problems.push(`${where} must be one of ${allowed.join(', ')}; got ${show(value)}`);
  };
  const sha = (where: string, value: unknown): void => {
    if (typeof value !== 'string' || !SHA256_PATTERN.test(value)) problems.push(`${where} must be 64 lower-case hex digits (a SHA-256); got ${show(value)}`);
  };
  switch (revision.revisionType) {
    case 'S3': {
      const s3 = revision.s3Location;
      if (!isRecord(s3)) return [`revision.s3Location must be an object with bucket, key and bundleType; got ${show(s3)}`];
      if (typeof s3.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) {
        problems.push(`revision.s3Location.bucket must be an S3 bucket name; got ${show(s3.bucket)}`);
      }
      if (typeof s3.key !== 'string' || s3.key.length === 0 || s3.key.length > 1024) {
        problems.push(`revision.s3Location.key must be a non-empty object key; got ${show(s3.key)}`);
      }
      bundleTypes(platform === 'Lambda' ? [...APPSPEC_BUNDLE_TYPES, ...ARCHIVE_BUNDLE_TYPES] : ARCHIVE_BUNDLE_TYPES, 'revision.s3Location.bundleType', s3.bundleType);
      if (platform === 'Server' && (APPSPEC_BUNDLE_TYPES as readonly unknown[]).includes(s3.bundleType)) problems.push(`revision.s3Location.bundleType ${String(s3.bundleType)} is for Lambda deployments (computePlatform Lambda); a Server revision is an archive`);
      for (const field of ['version', 'eTag'] as const) {
        if (s3[field] !== undefined && (typeof s3[field] !== 'string' || s3[field] === '')) {
          problems.push(`revision.s3Location.${field} must be a non-empty string; got ${show(s3[field])}`);
        }
      }
      return problems;
    }
    case 'Local': {
      if (platform === 'Lambda') return ['revision.revisionType Local is for Server deployments; a Lambda revision is S3 (YAML, JSON or an archive holding appspec.yaml) or AppSpecContent'];
      const local = revision.local;
      if (!isRecord(local) || typeof local.path !== 'string' || !local.path.startsWith('/')) {
        return [`revision.local.path must be an absolute path; got ${show(isRecord(local) ? local.path : local)}`];
      }
      if (local.bundleType !== undefined) bundleTypes(['directory', ...ARCHIVE_BUNDLE_TYPES], 'revision.local.bundleType', local.bundleType);
      if (local.sha256 !== undefined) {
        sha('revision.local.sha256', local.sha256);
        if (localBundleType(local as unknown as LocalLocation) === 'directory') problems.push('revision.local.sha256 pins an archive; a directory cannot be pinned');
      }
      return problems;
    }
    case 'URL': {
      if (platform === 'Lambda') return ['revision.revisionType URL is for Server deployments; a Lambda revision is S3 (YAML, JSON or an archive holding appspec.yaml) or AppSpecContent'];
      const url = revision.url;
      if (!isRecord(url)) return [`revision.url must be an object with url, sha256 and bundleType; got ${show(url)}`];
      let parsed: URL | undefined;
      try {
        parsed = new URL(String(url.url));
      } catch {
        parsed = undefined;
      }
      if (typeof url.url !== 'string' || parsed?.protocol !== 'https:') problems.push(`revision.url.url must be an https:// URL; got ${show(url.url)}`);
      sha('revision.url.sha256', url.sha256);
      bundleTypes(ARCHIVE_BUNDLE_TYPES, 'revision.url.bundleType', url.bundleType);
      return problems;
    }
    case 'GitHub': {
      if (platform === 'Lambda') return ['revision.revisionType GitHub is for Server deployments; a Lambda revision is S3 (YAML, JSON or an archive holding appspec.yaml) or AppSpecContent'];
      const github = revision.gitHubLocation;
      if (!isRecord(github)) return [`revision.gitHubLocation must be an object with repository ("owner/repo") and commitId; got ${show(github)}`];
      if (typeof github.repository !== 'string' || !GITHUB_REPOSITORY_PATTERN.test(github.repository) || github.repository.split('/')[1]?.replace(/\./g, '') === '') {
        problems.push(`revision.gitHubLocation.repository must be "owner/repository"; got ${show(github.repository)}`);
      }
      if (typeof github.commitId !== 'string' || !COMMIT_SHA_PATTERN.test(github.commitId)) {
        problems.push(`revision.gitHubLocation.commitId must be the full commit SHA (40 lower-case hex digits), which pins what every host installs; a branch, tag or short SHA can move; got ${show(github.commitId)}`);
      }
      return problems;
    }
    case 'AppSpecContent': {
      const inline = revision.appSpecContent;
      if (platform !== 'Lambda') return ['revision.revisionType AppSpecContent is for Lambda deployments (computePlatform Lambda); a Server revision is an S3, GitHub, Local or URL archive'];
      if (!isRecord(inline) || typeof inline.content !== 'string' || inline.content.trim() === '') return [`revision.appSpecContent.content must be the AppSpec's YAML or JSON text; got ${show(isRecord(inline) ? inline.content : inline)}`];
      if (inline.content.length > MAX_APPSPEC_CONTENT_CHARACTERS) problems.push(`revision.appSpecContent.content is ${inline.content.length} characters; at most ${MAX_APPSPEC_CONTENT_CHARACTERS}`);
      if (inline.sha256 !== undefined) sha('revision.appSpecContent.sha256', inline.sha256);
      return problems;
    }
    default:
      return [`revision.revisionType must be ${platform === 'Lambda' ? '"S3" or "AppSpecContent"' : '"S3", "GitHub", "Local" or "URL"'}; got ${show(revision.revisionType)}`];
  }
}

/**
 * Whether the controller pins the revision when the deployment starts: S3 objects are resolved to
 * one version and ETag. URL revisions carry their digest; local paths are only visible to hosts.
 */
export function needsPinning(revision: RevisionLocation): revision is Extract<RevisionLocation, { revisionType: 'S3' }> {
  return revision.revisionType === 'S3';
}
