/**
 * Application revisions: registered ones from the `applications` catalog, used ones from Temporal
 * visibility (every deployment carries its revision in a search attribute and its memo), and which
 * hosts each deployment put a revision on, from the deployments' own status.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { GenericRevisionInfo, KnownRevision, ListRevisionsOptions, RegisteredRevision, RevisionUse } from '../workflows/contracts/application-revisions.js';
import { MAX_BATCH_REVISIONS, revisionInfo, revisionKey, selectRevisions, validateListRevisionsOptions, validateRegisterRevision } from '../workflows/contracts/application-revisions.js';
import { applicationsWorkflowId, CONTROLLER_TASK_QUEUE } from '../workflows/contracts/naming.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { applicationRevisionsQuery, registerApplicationRevisionUpdate } from '../workflows/messages.js';
import { getApplication } from './applications.js';
import type { ApplicationInfo } from '../workflows/contracts/applications.js';
import { getDeploymentGroup, groupsOfApplication } from './deployment-groups.js';
import { type DeploymentListing, getDeploymentSummary, listDeployments, refusalsAsUsageErrors, UsageError } from './deployments.js';

/** How many of a revision's deployments get-application-revision details, newest first. */
export const DEPLOYMENTS_DETAILED = 25;
/** Deployments of one application that revision listings read from visibility. */
const DEPLOYMENTS_READ = 10_000;

/** `register-application-revision`: the revision, with its description, in the application's catalog. */
export async function registerApplicationRevision(client: Client, request: { applicationName: string; revision: RevisionLocation; description?: string }, taskQueue = CONTROLLER_TASK_QUEUE): Promise<RegisteredRevision> {
  const application = await getApplication(client, request.applicationName, taskQueue);
  const problems = validateRegisterRevision(request, application.computePlatform);
  if (problems.length > 0) throw new UsageError(`invalid revision: ${joinProblems(problems)}`);
  return refusalsAsUsageErrors(
    () => client.workflow.getHandle(applicationsWorkflowId(taskQueue)).executeUpdate(registerApplicationRevisionUpdate, { args: [request] }),
    `application ${request.applicationName} does not exist (ApplicationDoesNotExist)`,
  );
}

async function registeredRevisions(client: Client, applicationName: string, taskQueue: string): Promise<RegisteredRevision[]> {
  try {
    return await client.workflow.getHandle(applicationsWorkflowId(taskQueue)).query(applicationRevisionsQuery, applicationName);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}

const useOf = (d: DeploymentListing): RevisionUse => ({ deploymentId: d.deploymentId, deploymentGroupName: d.deploymentGroupName ?? '', ...(d.status ? { status: d.status } : {}), createTime: d.createTime });

/** Every revision of the application known from registration or use, with what is known of it. */
async function knownRevisions(client: Client, application: ApplicationInfo, taskQueue: string): Promise<KnownRevision[]> {
  const [registered, deployments] = await Promise.all([registeredRevisions(client, application.applicationName, taskQueue), listDeployments(client, { applicationName: namesOf(application), limit: DEPLOYMENTS_READ })]);
  const byKey = new Map<string, { revision: RevisionLocation; registered?: RegisteredRevision; uses: RevisionUse[] }>();
  for (const r of registered) byKey.set(revisionKey(r.revision), { revision: r.revision, registered: r, uses: [] });
  for (const d of deployments) {
    if (!d.revisionLocation) continue; // started before deployments kept their revision in the memo
    const key = revisionKey(d.revisionLocation);
    const entry = byKey.get(key) ?? { revision: d.revisionLocation, uses: [] };
    entry.uses.push(useOf(d));
    byKey.set(key, entry);
  }
  return [...byKey.values()].map((e) => ({ revision: e.revision, info: revisionInfo(e.registered, e.uses) }));
}

/** The revision keys that are some group's target revision (its latest deployment's), for `deployed`. */
async function targetRevisionKeys(client: Client, applicationName: string, taskQueue: string): Promise<Set<string>> {
  const groups = await groupsOfApplication(client, applicationName, taskQueue);
  const views = await Promise.all(groups.map((g) => getDeploymentGroup(client, applicationName, g, taskQueue).catch(() => undefined)));
  return new Set(views.flatMap((v) => (v?.lastAttemptedDeployment ? [revisionKey(v.lastAttemptedDeployment.revision)] : [])));
}

/** `list-application-revisions`, with CodeDeploy's sort and filters. */
export async function listApplicationRevisions(client: Client, applicationName: string, options: ListRevisionsOptions = {}, taskQueue = CONTROLLER_TASK_QUEUE): Promise<RevisionLocation[]> {
  const problems = validateListRevisionsOptions(options);
  if (problems.length > 0) throw new UsageError(`invalid list-application-revisions request: ${joinProblems(problems)}`);
  const application = await getApplication(client, applicationName, taskQueue);
  const [known, targets] = await Promise.all([knownRevisions(client, application, taskQueue), options.deployed && options.deployed !== 'ignore' ? targetRevisionKeys(client, applicationName, taskQueue) : Promise.resolve(new Set<string>())]);
  return selectRevisions(known, options, targets).map((k) => k.revision);
}

/** Where one deployment put the revision: each host, its outcome and when. */
export interface RevisionDeployment {
  deploymentId: string;
  deploymentGroupName: string;
  status?: string;
  createTime: string;
  completeTime?: string;
  targets: { targetId: string; status: string; lastUpdatedAt?: string }[];
}

export interface ApplicationRevisionInfo {
  applicationName: string;
  revision: RevisionLocation;
  revisionInfo: GenericRevisionInfo;
  /** Its deployments, newest first: at most DEPLOYMENTS_DETAILED, `deploymentCount` in all. */
  deployments: RevisionDeployment[];
  deploymentCount: number;
}

/** Every deployment of the application that used this revision, newest first. */
async function usesOf(client: Client, application: ApplicationInfo, revision: RevisionLocation): Promise<DeploymentListing[]> {
  return listDeployments(client, { applicationName: namesOf(application), revision: revisionKey(revision), limit: DEPLOYMENTS_READ });
}

/** The application's name and those it had before a rename: its deployments carry any of them. */
const namesOf = (application: ApplicationInfo): string[] => [application.applicationName, ...(application.formerNames ?? [])];

/**
 * `get-application-revision`: CodeDeploy's revisionInfo (description, groups, first and last use,
 * registration), and which of its deployments put it on which hosts and when.
 */
export async function getApplicationRevision(client: Client, applicationName: string, revision: RevisionLocation, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationRevisionInfo> {
  const application = await getApplication(client, applicationName, taskQueue);
  const problems = validateRegisterRevision({ applicationName, revision }, application.computePlatform);
  if (problems.length > 0) throw new UsageError(`invalid revision: ${joinProblems(problems)}`);
  const key = revisionKey(revision);
  const [registered, uses] = await Promise.all([registeredRevisions(client, applicationName, taskQueue), usesOf(client, application, revision)]);
  const registration = registered.find((r) => revisionKey(r.revision) === key);
  if (!registration && uses.length === 0) throw new UsageError(`revision ${key} of application ${applicationName} is neither registered nor deployed (RevisionDoesNotExist)`);
  const deployments = await Promise.all(
    uses.slice(0, DEPLOYMENTS_DETAILED).map(async (use): Promise<RevisionDeployment> => {
      const summary = await getDeploymentSummary(client, use.deploymentId).catch(() => undefined);
      return {
        deploymentId: use.deploymentId,
        deploymentGroupName: use.deploymentGroupName ?? '',
        ...(summary?.status ?? use.status ? { status: summary?.status ?? use.status } : {}),
        createTime: use.createTime,
        ...(summary?.completeTime ? { completeTime: summary.completeTime } : {}),
        targets: (summary?.targets ?? []).map((t) => ({ targetId: t.targetId, status: t.status, ...(t.lastUpdatedAt ? { lastUpdatedAt: t.lastUpdatedAt } : {}) })),
      };
    }),
  );
  return { applicationName, revision: registration?.revision ?? revision, revisionInfo: revisionInfo(registration, uses.map(useOf)), deployments, deploymentCount: uses.length };
}

/** `batch-get-application-revisions`: at most 25; a revision nobody registered or deployed is named in errorMessage. */
export async function batchGetApplicationRevisions(
  client: Client,
  applicationName: string,
  revisions: RevisionLocation[],
  taskQueue = CONTROLLER_TASK_QUEUE,
): Promise<{ applicationName: string; errorMessage: string; revisions: { revisionLocation: RevisionLocation; genericRevisionInfo: GenericRevisionInfo }[] }> {
  if (!Array.isArray(revisions) || revisions.length === 0 || revisions.length > MAX_BATCH_REVISIONS) {
    throw new UsageError(`give 1 to ${MAX_BATCH_REVISIONS} revisions (BatchLimitExceeded); got ${Array.isArray(revisions) ? revisions.length : JSON.stringify(revisions)}`);
  }
  const application = await getApplication(client, applicationName, taskQueue);
  const problems = revisions.flatMap((revision, i) => validateRegisterRevision({ applicationName, revision }, application.computePlatform).map((p) => `revisions[${i}]: ${p}`));
  if (problems.length > 0) throw new UsageError(`invalid revisions: ${joinProblems(problems)}`);
  const known = new Map((await knownRevisions(client, application, taskQueue)).map((k) => [revisionKey(k.revision), k]));
  const found = revisions.flatMap((revision) => {
    const entry = known.get(revisionKey(revision));
    return entry ? [{ revisionLocation: entry.revision, genericRevisionInfo: entry.info }] : [];
  });
  const missing = revisions.filter((revision) => !known.has(revisionKey(revision))).map(revisionKey);
  return { applicationName, errorMessage: missing.length ? `not registered or deployed: ${missing.join(', ')}` : '', revisions: found };
}
