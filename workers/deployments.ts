import { randomInt } from 'node:crypto';
import { type Client, WithStartWorkflowOperation, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type QueryDefinition } from '@temporalio/common';
import type { DeploymentInput, DeploymentSummary, DeploymentView, HostDeploymentView, TargetSummary, TargetView } from '../workflows/contracts/deployment.js';
import { isTerminal, validateDeploymentInput } from '../workflows/contracts/deployment.js';
import type { DeploymentConfig } from '../workflows/contracts/deployment-config.js';
import { findPredefinedConfig, platformMismatch, validateCustomConfig } from '../workflows/contracts/deployment-config.js';
import {
  CONTROLLER_TASK_QUEUE,
  DEPLOYMENT_ID_PATTERN,
  deploymentConfigsWorkflowId,
  hostWorkflowId,
  SearchAttributeName,
  WorkflowType,
} from '../workflows/contracts/naming.js';
import {
  createDeploymentConfigUpdate,
  deleteDeploymentConfigUpdate,
  deploymentConfigsQuery,
  deploymentStatusQuery,
  hostStatusQuery,
  stopSignal,
  continueUpdate,
  putHookStatusUpdate,
} from '../workflows/messages.js';
import { type HookStatusReport, validateHookStatusReport } from '../workflows/contracts/lambda.js';
import { describeRevision, type RevisionLocation } from '../workflows/contracts/revision.js';
import { revisionAttributeFor, revisionAttributeValues } from './payload-codec.js';
import { deploymentStartOptions, GantrySearchAttributes, REVISION_MEMO } from '../workflows/search-attributes.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { DEPLOYMENT_WAIT_TYPES, type DeploymentWaitType } from '../workflows/contracts/blue-green.js';

import { UsageError } from './usage-error.js';

export { UsageError };

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new CodeDeploy-style deployment ID, e.g. d-7K2QX9M1B. */
export function newDeploymentId(): string {
  let id = 'd-';
  for (let i = 0; i < 9; i += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** Validates and starts a `deployment` workflow; returns its deployment ID. */
export async function startDeployment(
  client: Client,
  input: DeploymentInput,
  options: { taskQueue?: string; deploymentId?: string } = {},
): Promise<string> {
  const taskQueue = options.taskQueue ?? CONTROLLER_TASK_QUEUE;
  const problems = validateDeploymentInput(input);
  const platform = input.computePlatform ?? 'Server';
  if (problems.length === 0 && !input.deploymentConfig && !findPredefinedConfig(input.deploymentConfigName, platform)) {
    const custom = await listDeploymentConfigs(client, taskQueue);
    const found = custom.find((c) => c.deploymentConfigName === input.deploymentConfigName);
    const mismatch = found && platformMismatch(found, platform);
    if (mismatch) problems.push(mismatch);
    if (!found) {
      const predefined = platform === 'Lambda' ? 'CodeDeployDefault.LambdaCanary10Percent5Minutes (and the other Lambda* ones)' : 'OneAtATime, HalfAtATime, AllAtOnce';
      const ownPlatform = custom.filter((c) => (c.computePlatform ?? 'Server') === platform);
      problems.push(`deploymentConfigName ${JSON.stringify(input.deploymentConfigName)} is not a known deployment configuration: predefined ${predefined}${ownPlatform.length ? `; custom ${ownPlatform.map((c) => c.deploymentConfigName).join(', ')}` : ''}`);
    }
  }
  if (problems.length > 0) throw new UsageError(`invalid deployment: ${joinProblems(problems)}`);
  const deploymentId = options.deploymentId ?? newDeploymentId();
  if (!DEPLOYMENT_ID_PATTERN.test(deploymentId)) throw new UsageError(`deployment ID ${deploymentId} must look like d-XXXXXXXXX`);
  await client.workflow.start(WorkflowType.deployment, {
    workflowId: deploymentId,
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    ...deploymentStartOptions(input, 'Created', revisionAttributeFor(client, describeRevision(input.revision))),
  });
  return deploymentId;
}

function detailOf<T>(err: unknown, is: (value: unknown) => value is T): T | undefined {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && is(cause.details?.[0])) return cause.details?.[0] as T;
    cause = cause.cause;
  }
  return undefined;
}

const isSummary = (value: unknown): value is DeploymentSummary => typeof value === 'object' && value !== null && 'deploymentId' in value && 'targets' in value;
const isHostView = (value: unknown): value is HostDeploymentView => typeof value === 'object' && value !== null && 'targetId' in value && 'lifecycleEvents' in value;

/**
 * The view of one of Gantry's long-running workflows (a deployment, a rollout): the `status` query
 * while it runs, its result or its failure's details once it has ended, so a finished one reads
 * even when no controller worker is running. `what` names it in errors.
 */
export async function readStatusView<T>(client: Client, workflowId: string, kind: { workflowType: string; what: string; query: QueryDefinition<T>; is: (value: unknown) => value is T }): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`${kind.what} ${workflowId} does not exist`);
    throw err;
  }
  if (description.type !== kind.workflowType) throw new UsageError(`${workflowId} is not a Gantry ${kind.what} (workflow type ${description.type})`);
  if (description.status.name === 'RUNNING') return queryRunning(client, () => handle.query(kind.query), workflowId, description.taskQueue);
  try {
    return (await handle.result()) as T;
  } catch (err) {
    const view = detailOf(err, kind.is);
    if (view) return view;
    throw new UsageError(`${kind.what} ${workflowId} ended without a status (${description.status.name}): ${(err as Error).message}`);
  }
}

/** A deployment's summary: overview, error information and every target's status. */
export async function getDeploymentSummary(client: Client, deploymentId: string): Promise<DeploymentSummary> {
  return readStatusView(client, deploymentId, { workflowType: WorkflowType.deployment, what: 'deployment', query: deploymentStatusQuery, is: isSummary });
}

/** How long a status query may wait for a worker to answer it. */
const QUERY_DEADLINE_MS = 10_000;

/**
 * A running workflow answers queries only through a worker: with none polling, the server's error
 * (a raw ServiceError with a stack) becomes a sentence saying what to start.
 */
async function queryRunning<T>(client: Client, query: () => Promise<T>, workflowId: string, taskQueue: string): Promise<T> {
  try {
    // Without a worker the server holds a query for a long while; a reader wants an answer sooner.
    return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, query);
  } catch (err) {
    const reason = ((err as Error).message ?? String(err)).split('\n')[0];
    throw new UsageError(
      `${workflowId} is running, but no controller worker answered its status query (${reason}); start one with \`gantry worker\` on task queue ${taskQueue}, and try again`,
    );
  }
}

/**
 * A target with its lifecycle events, read from its `hostDeployment` child: its result or failure once
 * it has finished, its `status` query while it runs. A target whose child never started has its
 * events listed as Pending (or Skipped, when the deployment ended without it).
 */
export async function getDeploymentTarget(client: Client, summary: DeploymentSummary, targetId: string): Promise<TargetView> {
  const target = summary.targets.find((t) => t.targetId === targetId);
  if (!target) throw new UsageError(`deployment ${summary.deploymentId} has no target ${targetId}`);
  const notRun = (): TargetView => ({ ...target, lifecycleEvents: [] });
  // A Lambda deployment's target is its function's alias: its events are the deployment's own.
  if (target.deploymentTargetType === 'LambdaTarget') return { ...target, lifecycleEvents: summary.lambda?.lifecycleEvents ?? [] };
  if (target.status === 'Pending' || target.status === 'Skipped') return notRun();
  // A blue/green host runs a child per phase: <id>/<host>, then <id>/<host>/<phase>; its events are theirs in order.
  const childIds = [hostWorkflowId(summary.deploymentId, targetId), ...(target.phases ?? []).map((phase) => `${hostWorkflowId(summary.deploymentId, targetId)}/${phase}`)];
  const views = await Promise.all(childIds.map((id) => readHostChild(client, id)));
  const found = views.filter((v): v is HostDeploymentView => v !== undefined);
  if (found.length === 0) return notRun();
  // The deployment's own record of the status wins: it is final once the host's result arrived.
  return { ...target, lastUpdatedAt: found.at(-1)?.lastUpdatedAt ?? target.lastUpdatedAt, lifecycleEvents: found.flatMap((v) => v.lifecycleEvents) };
}

/** One hostDeployment child's view: its result or failure once closed, its status query while it runs. */
async function readHostChild(client: Client, workflowId: string): Promise<HostDeploymentView | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return await queryRunning(client, () => handle.query(hostStatusQuery), workflowId, description.taskQueue);
    return (await handle.result().catch((err: unknown) => detailOf(err, isHostView))) as HostDeploymentView | undefined;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return undefined;
  }
}

/** Deployments this large are shown without per-target lifecycle events unless asked for. */
export const TARGET_DETAIL_LIMIT = 100;

/**
 * The full view of a deployment (`gantry get-deployment`): the summary, with each target's lifecycle
 * events when the deployment has at most TARGET_DETAIL_LIMIT targets (or `withEvents` says so).
 */
export async function getDeployment(
  client: Client,
  deploymentId: string,
  options: { withEvents?: boolean; finishedTargets?: Map<string, TargetView> } = {},
): Promise<DeploymentView> {
  const summary = await getDeploymentSummary(client, deploymentId);
  const withEvents = options.withEvents ?? summary.targets.length <= TARGET_DETAIL_LIMIT;
  if (!withEvents) return { ...summary, targets: summary.targets.map((t) => ({ ...t, lifecycleEvents: [] })) };
  // A finished target's events never change again: callers that poll pass a cache of them.
  const cache = options.finishedTargets;
  const read = async (target: TargetSummary): Promise<TargetView> => {
    const known = cache?.get(target.targetId);
    if (known && known.status === target.status) return known;
    const view = await getDeploymentTarget(client, summary, target.targetId);
    if (cache && (view.status === 'Succeeded' || view.status === 'Failed')) cache.set(target.targetId, view);
    return view;
  };
  const targets: TargetView[] = [];
  // A few at a time: each is one or two round trips to the server.
  for (let i = 0; i < summary.targets.length; i += 16) {
    targets.push(...(await Promise.all(summary.targets.slice(i, i + 16).map(read))));
  }
  return { ...summary, targets };
}

/**
 * `stop-deployment`: signals `stop` and waits (up to `waitMs`) for the deployment to reach Stopped.
 * Returns CodeDeploy's StopDeployment answer: Succeeded once stopped, Pending while hooks still stop.
 */
export async function stopDeployment(
  client: Client,
  deploymentId: string,
  options: { autoRollback?: boolean; waitMs?: number } = {},
): Promise<{ status: 'Pending' | 'Succeeded'; statusMessage: string }> {
  const before = await getDeploymentSummary(client, deploymentId);
  if (isTerminal(before.status)) throw new UsageError(`deployment ${deploymentId} has already completed (${before.status}); there is nothing to stop`);
  await client.workflow.getHandle(deploymentId).signal(stopSignal, { autoRollback: options.autoRollback ?? false });
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    const summary = await getDeploymentSummary(client, deploymentId);
    if (isTerminal(summary.status)) {
      return { status: 'Succeeded', statusMessage: `deployment ${deploymentId} is ${summary.status}${summary.errorInformation ? `: ${summary.errorInformation.message}` : ''}` };
    }
    if (Date.now() >= deadline) return { status: 'Pending', statusMessage: `deployment ${deploymentId} is stopping: hooks in flight are being cancelled` };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `continue-deployment`: ends a blue/green deployment's Ready wait (READY_WAIT: reroute now) or its
 * termination wait (TERMINATION_WAIT: retire the originals now). Refused, saying why, when the
 * deployment is not in that wait.
 */
export async function continueDeployment(client: Client, deploymentId: string, deploymentWaitType: DeploymentWaitType): Promise<{ deploymentId: string; deploymentWaitType: DeploymentWaitType }> {
  if (!(DEPLOYMENT_WAIT_TYPES as readonly string[]).includes(deploymentWaitType)) throw new UsageError(`--deployment-wait-type must be READY_WAIT or TERMINATION_WAIT; got ${deploymentWaitType}`);
  const before = await getDeploymentSummary(client, deploymentId);
  if (isTerminal(before.status)) throw new UsageError(`deployment ${deploymentId} has already completed (${before.status}); there is nothing to continue`);
  return refusalsAsUsageErrors(() => client.workflow.getHandle(deploymentId).executeUpdate(continueUpdate, { args: [{ deploymentWaitType }] }), `deployment ${deploymentId} does not exist`);
}

/**
 * `put-lifecycle-event-hook-execution-status`: a Lambda validation function's report (CodeDeploy's
 * PutLifecycleEventHookExecutionStatus). Refused, saying why, for an unknown execution ID or one that
 * has already completed.
 */
export async function putLifecycleEventHookExecutionStatus(client: Client, deploymentId: string, report: HookStatusReport): Promise<{ lifecycleEventHookExecutionId: string }> {
  const problems = validateHookStatusReport(report);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  try {
    return await refusalsAsUsageErrors(() => client.workflow.getHandle(deploymentId).executeUpdate(putHookStatusUpdate, { args: [report] }), `deployment ${deploymentId} does not exist`);
  } catch (err) {
    // A deployment that has ended takes no update; its status still says what became of the hook.
    const ended = err instanceof UsageError ? await getDeploymentSummary(client, deploymentId).catch(() => undefined) : undefined;
    if (!ended) throw err;
    const hook = ended.lambda?.hooks.find((h) => h.lifecycleEventHookExecutionId === report.lifecycleEventHookExecutionId);
    if (hook) throw new UsageError(`lifecycle event hook execution ${hook.lifecycleEventHookExecutionId} (${hook.lifecycleEventName}) has already completed: ${hook.status} (LifecycleEventAlreadyCompleted)`);
    throw new UsageError(`deployment ${deploymentId} has already completed (${ended.status}) and has no lifecycle event hook execution ${report.lifecycleEventHookExecutionId} waiting (InvalidLifecycleEventHookExecutionId)`);
  }
}

/** CodeDeploy's limit on one batch call. */
export const MAX_BATCH = 25;

/**
 * `batch-get-deployments`: up to 25 deployments' summaries. As CodeDeploy's BatchGetDeployments,
 * IDs that are no deployment are left out rather than failing the call.
 */
export async function batchGetDeployments(client: Client, deploymentIds: string[]): Promise<DeploymentSummary[]> {
  if (deploymentIds.length === 0 || deploymentIds.length > MAX_BATCH) throw new UsageError(`--deployment-ids must name 1-${MAX_BATCH} deployments; got ${deploymentIds.length}`);
  const found = await Promise.all(deploymentIds.map((id) => getDeploymentSummary(client, id).catch((err: unknown) => (err instanceof UsageError ? undefined : Promise.reject(err)))));
  return found.filter((s): s is DeploymentSummary => s !== undefined);
}

/** `batch-get-deployment-targets`: up to 25 targets of one deployment, with their lifecycle events. */
export async function batchGetDeploymentTargets(client: Client, deploymentId: string, targetIds: string[]): Promise<TargetView[]> {
  if (targetIds.length === 0 || targetIds.length > MAX_BATCH) throw new UsageError(`--target-ids must name 1-${MAX_BATCH} targets; got ${targetIds.length}`);
  const summary = await getDeploymentSummary(client, deploymentId);
  const unknown = targetIds.filter((id) => !summary.targets.some((t) => t.targetId === id));
  if (unknown.length > 0) throw new UsageError(`deployment ${deploymentId} has no target ${unknown.join(', ')} (DeploymentTargetDoesNotExist)`);
  return Promise.all(targetIds.map((id) => getDeploymentTarget(client, summary, id)));
}

/** A deployment as visibility lists it. */
export interface DeploymentListing {
  deploymentId: string;
  applicationName?: string;
  deploymentGroupName?: string;
  status?: string;
  /** The revision's description (its search attribute). */
  revision?: string;
  /** The revision as given (from the memo; absent for deployments started before revisions were kept there). */
  revisionLocation?: RevisionLocation;
  createTime: string;
}

/** `list-deployments`: deployments of an application (and group), newest first, from Temporal visibility. */
export async function listDeployments(
  client: Client,
  filter: { applicationName?: string | string[]; deploymentGroupName?: string; statuses?: string[]; revision?: string; running?: boolean; limit?: number },
): Promise<DeploymentListing[]> {
  const clauses = [`WorkflowType = '${WorkflowType.deployment}'`];
  const quote = (value: string): string => `'${value.replace(/'/g, "\\'")}'`;
  // Several names: an application and the names it had before it was renamed.
  const names = typeof filter.applicationName === 'string' ? [filter.applicationName] : (filter.applicationName ?? []);
  if (names.length > 0) clauses.push(`${SearchAttributeName.application} IN (${names.map(quote).join(', ')})`);
  if (filter.deploymentGroupName) clauses.push(`${SearchAttributeName.deploymentGroup} = ${quote(filter.deploymentGroupName)}`);
  if (filter.statuses?.length) clauses.push(`${SearchAttributeName.status} IN (${filter.statuses.map(quote).join(', ')})`);
  // Under the payload codec the attribute is a keyed digest: one per key, for deployments from before a rotation.
  if (filter.revision) clauses.push(`${SearchAttributeName.revision} IN (${revisionAttributeValues(client, filter.revision).map(quote).join(', ')})`);
  // The workflow's own state, not the status attribute: a terminated deployment is not running.
  if (filter.running) clauses.push(`ExecutionStatus = 'Running'`);
  const found = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
    const attributes = wf.typedSearchAttributes;
    found.push({
      deploymentId: wf.workflowId,
      applicationName: attributes.get(GantrySearchAttributes.application),
      deploymentGroupName: attributes.get(GantrySearchAttributes.deploymentGroup),
      status: attributes.get(GantrySearchAttributes.status),
      // From the memo where it is there: under the payload codec the attribute is only a digest.
      revision: wf.memo?.[REVISION_MEMO] ? describeRevision(wf.memo[REVISION_MEMO] as RevisionLocation) : attributes.get(GantrySearchAttributes.revision),
      ...(wf.memo?.[REVISION_MEMO] ? { revisionLocation: wf.memo[REVISION_MEMO] as RevisionLocation } : {}),
      createTime: wf.startTime.toISOString(),
    });
    if (found.length >= (filter.limit ?? 1000)) break;
  }
  return found;
}

/** Custom deployment configurations of an installation (none when its catalog was never created). */
export async function listDeploymentConfigs(client: Client, taskQueue = CONTROLLER_TASK_QUEUE): Promise<DeploymentConfig[]> {
  try {
    return await client.workflow.getHandle(deploymentConfigsWorkflowId(taskQueue)).query(deploymentConfigsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}

/**
 * Runs a client call on one of Gantry's entity workflows: a refused update (its validator threw)
 * becomes a UsageError with the workflow's message, and a missing workflow one saying `notFound`.
 */
export async function refusalsAsUsageErrors<T>(body: () => Promise<T>, notFound: string): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new UsageError((err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new UsageError(notFound);
    throw err;
  }
}

/** `create-deployment-config`: adds a custom configuration to the catalog (creating the catalog if needed). */
export async function createDeploymentConfig(client: Client, config: DeploymentConfig, taskQueue = CONTROLLER_TASK_QUEUE): Promise<DeploymentConfig> {
  const problems = validateCustomConfig(config);
  if (problems.length > 0) throw new UsageError(`invalid deployment configuration: ${joinProblems(problems)}`);
  return refusalsAsUsageErrors(
    () =>
      client.workflow.executeUpdateWithStart(createDeploymentConfigUpdate, {
        args: [config],
        startWorkflowOperation: new WithStartWorkflowOperation(WorkflowType.deploymentConfigs, {
          workflowId: deploymentConfigsWorkflowId(taskQueue),
          taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    'the deployment configuration catalog could not be created',
  );
}

/** `delete-deployment-config`. Deployments already started keep the configuration they resolved. */
export async function deleteDeploymentConfig(client: Client, deploymentConfigName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<void> {
  const catalog = client.workflow.getHandle(deploymentConfigsWorkflowId(taskQueue));
  await refusalsAsUsageErrors(
    () => catalog.executeUpdate(deleteDeploymentConfigUpdate, { args: [{ deploymentConfigName }] }),
    `deployment configuration ${deploymentConfigName} does not exist`,
  );
}

/**
 * Follows a deployment until it ends, calling `onUpdate` whenever its view changes. Polls queries,
 * which cost no workflow history; lifecycle events are followed for deployments of up to
 * TARGET_DETAIL_LIMIT targets.
 */
export async function followDeployment(
  client: Client,
  deploymentId: string,
  onUpdate: (view: DeploymentView) => void,
  pollMs = 300,
): Promise<DeploymentView> {
  let last = '';
  const finishedTargets = new Map<string, TargetView>();
  for (;;) {
    const view = await getDeployment(client, deploymentId, { finishedTargets });
    const text = JSON.stringify(view);
    if (text !== last) {
      last = text;
      onUpdate(view);
    }
    if (isTerminal(view.status)) {
      // The workflow may still be finishing (an automatic rollback, telling its group): read its final word.
      await client.workflow.getHandle(deploymentId).result().catch(() => undefined);
      const final = await getDeployment(client, deploymentId, { finishedTargets });
      if (JSON.stringify(final) !== last) onUpdate(final);
      return final;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
