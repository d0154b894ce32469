/**
 * Application revisions (CodeDeploy's RegisterApplicationRevision, ListApplicationRevisions,
 * GetApplicationRevision, BatchGetApplicationRevisions): what is known of each revision of an
 * application, from its registration and from the deployments that used it. Pure.
 */
import { describeRevision, type RevisionLocation, validateRevision } from './revision.js';
import type { ComputePlatform } from './lambda.js';
import { isRecord, show } from './values.js';

/** A revision registered without being deployed (or with a description), kept by the `applications` catalog. */
export interface RegisteredRevision {
  applicationName: string;
  revision: RevisionLocation;
  description?: string;
  registerTime: string;
}

/** Update `registerApplicationRevision` on the `applications` catalog. */
export interface RegisterRevisionRequest {
  applicationName: string;
  revision: RevisionLocation;
  description?: string;
}

/** One deployment of the revision, as read from Temporal visibility. */
export interface RevisionUse {
  deploymentId: string;
  deploymentGroupName: string;
  status?: string;
  createTime: string;
}

/** CodeDeploy's GenericRevisionInfo. */
export interface GenericRevisionInfo {
  description?: string;
  /** The groups the revision was deployed to, sorted. */
  deploymentGroups: string[];
  firstUsedTime?: string;
  lastUsedTime?: string;
  /** When it was registered; a revision first known from a deployment is registered by it, as in CodeDeploy. */
  registerTime: string;
}

export const REVISION_SORT_KEYS = ['registerTime', 'firstUsedTime', 'lastUsedTime'] as const;
export type RevisionSortKey = (typeof REVISION_SORT_KEYS)[number];
export const DEPLOYED_FILTERS = ['include', 'exclude', 'ignore'] as const;
export type DeployedFilter = (typeof DEPLOYED_FILTERS)[number];

/** ListApplicationRevisions' options, as `aws deploy list-application-revisions` has them. */
export interface ListRevisionsOptions {
  sortBy?: RevisionSortKey;
  sortOrder?: 'ascending' | 'descending';
  s3Bucket?: string;
  s3KeyPrefix?: string;
  /** include: only revisions that are a group's target revision; exclude: only the others; ignore (default): all. */
  deployed?: DeployedFilter;
}

/** At most this many revisions in one BatchGetApplicationRevisions, as CodeDeploy. */
export const MAX_BATCH_REVISIONS = 25;
/** Registered revisions the catalog keeps across all applications (its state must stay small). */
export const MAX_REGISTERED_REVISIONS = 2_000;
export const MAX_REVISION_DESCRIPTION = 1_000;

/** What identifies a revision: its location (an S3 object's version included, as CodeDeploy). */
export function revisionKey(revision: RevisionLocation): string {
  return describeRevision(revision);
}

export function validateRegisterRevision(request: unknown, platform: ComputePlatform = 'Server'): string[] {
  if (!isRecord(request)) return [`the request must be {"applicationName", "revision", "description"?}; got ${show(request)}`];
  const problems = validateRevision(request.revision, platform);
  if (request.description !== undefined && (typeof request.description !== 'string' || request.description.length > MAX_REVISION_DESCRIPTION)) {
    problems.push(`description must be text of at most ${MAX_REVISION_DESCRIPTION} characters; got ${show(request.description)}`);
  }
  return problems;
}

export function validateListRevisionsOptions(options: ListRevisionsOptions): string[] {
  const problems: string[] = [];
  if (options.sortBy !== undefined && !(REVISION_SORT_KEYS as readonly string[]).includes(options.sortBy)) problems.push(`sortBy must be one of ${REVISION_SORT_KEYS.join(', ')}; got ${show(options.sortBy)}`);
  if (options.sortOrder !== undefined && options.sortOrder !== 'ascending' && options.sortOrder !== 'descending') problems.push(`sortOrder must be ascending or descending; got ${show(options.sortOrder)}`);
  if (options.deployed !== undefined && !(DEPLOYED_FILTERS as readonly string[]).includes(options.deployed)) problems.push(`deployed must be one of ${DEPLOYED_FILTERS.join(', ')}; got ${show(options.deployed)}`);
  if (options.s3KeyPrefix !== undefined && options.s3Bucket === undefined) problems.push('s3KeyPrefix needs s3Bucket: a key prefix is within one bucket');
  return problems;
}

/** Everything known of one revision: its registration (if any) and the deployments that used it. */
export function revisionInfo(registered: RegisteredRevision | undefined, uses: readonly RevisionUse[]): GenericRevisionInfo {
  const times = uses.map((u) => u.createTime).sort();
  const firstUsedTime = times[0];
  const registerTime = [registered?.registerTime, firstUsedTime].filter((t): t is string => t !== undefined).sort()[0] as string;
  return {
    ...(registered?.description ? { description: registered.description } : {}),
    deploymentGroups: [...new Set(uses.map((u) => u.deploymentGroupName))].sort(),
    ...(firstUsedTime ? { firstUsedTime, lastUsedTime: times.at(-1) as string } : {}),
    registerTime,
  };
}

export interface KnownRevision {
  revision: RevisionLocation;
  info: GenericRevisionInfo;
}

/**
 * ListApplicationRevisions over what is known: S3 bucket and key prefix filters, the deployed filter
 * against the groups' target revisions, and the sort (by default, newest registration first).
 */
export function selectRevisions(known: readonly KnownRevision[], options: ListRevisionsOptions, targetRevisionKeys: ReadonlySet<string>): KnownRevision[] {
  const selected = known.filter(({ revision }) => {
    if (options.s3Bucket !== undefined) {
      if (revision.revisionType !== 'S3' || revision.s3Location.bucket !== options.s3Bucket) return false;
      if (options.s3KeyPrefix !== undefined && !revision.s3Location.key.startsWith(options.s3KeyPrefix)) return false;
    }
    const isTarget = targetRevisionKeys.has(revisionKey(revision));
    if (options.deployed === 'include') return isTarget;
    if (options.deployed === 'exclude') return !isTarget;
    return true;
  });
  const key = options.sortBy ?? 'registerTime';
  const direction = (options.sortOrder ?? (options.sortBy ? 'ascending' : 'descending')) === 'ascending' ? 1 : -1;
  // Never used sorts last whichever the direction, as an absent time has no place in the order.
  return selected.sort((a, b) => {
    const x = a.info[key];
    const y = b.info[key];
    if (x === y) return revisionKey(a.revision).localeCompare(revisionKey(b.revision));
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x < y ? -direction : direction;
  });
}
