import { ApplicationFailure, Context } from '@temporalio/activity';
import type { SignalDefinition } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { DeploymentInput } from '../workflows/contracts/deployment.js';
import type { RollbackRequest } from '../workflows/contracts/deployment-group.js';
import { deploymentStartOptions } from '../workflows/search-attributes.js';
import { describeRevision } from '../workflows/contracts/revision.js';
import { revisionAttributeFor } from '../workers/payload-codec.js';
import type { DeploymentConfig } from '../workflows/contracts/deployment-config.js';
import { FailureType } from '../workflows/contracts/errors.js';
import type { DeploymentOutcomes, SelectedTarget, TargetQuery, TargetWatch } from '../workflows/contracts/hosts.js';
import { selectTargets } from '../workflows/contracts/inventory.js';
import { deploymentConfigsWorkflowId, hostRegistryWorkflowId, WorkflowType } from '../workflows/contracts/naming.js';
import { deploymentConfigsQuery, recordDeploymentOutcomesSignal, rollbackUpdate, selectTargetsQuery, watchTargetsSignal } from '../workflows/messages.js';

/** The worker's own client (same namespace), for queries and signals to Gantry's entity workflows. */
function client(): Client {
  return Context.current().client;
}

function isNotFound(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const e = err as { code?: number; name?: string; message?: string };
  return e.code === 5 || e.name === 'WorkflowNotFoundError' || /workflow.*not found|not ?found/i.test(e.message ?? '');
}

/** Looks a custom configuration up in the installation's catalog. */
export async function resolveDeploymentConfig(input: { controllerTaskQueue: string; deploymentConfigName: string }): Promise<DeploymentConfig> {
  let configs: DeploymentConfig[] = [];
  try {
    configs = await client().workflow.getHandle(deploymentConfigsWorkflowId(input.controllerTaskQueue)).query(deploymentConfigsQuery);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const config = configs.find((c) => c.deploymentConfigName === input.deploymentConfigName);
  if (config) return config;
  throw ApplicationFailure.create({
    type: FailureType.DeploymentConfigNotFound,
    message: `deployment configuration ${input.deploymentConfigName} does not exist: use a predefined one (OneAtATime, HalfAtATime, AllAtOnce) or create it with gantry create-deployment-config`,
    nonRetryable: true,
  });
}

/** The hosts a selection matches. Without a registry (no agent ever started) only named hosts match. */
export async function selectTargetsFromRegistry(input: { controllerTaskQueue: string; query: TargetQuery }): Promise<SelectedTarget[]> {
  try {
    return await client().workflow.getHandle(hostRegistryWorkflowId(input.controllerTaskQueue)).query(selectTargetsQuery, input.query);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return selectTargets(new Map(), undefined, input.query);
  }
}

/** Signals the installation's registry, starting it if no agent has yet. */
async function signalRegistry<T>(controllerTaskQueue: string, signal: SignalDefinition<[T]>, arg: T): Promise<void> {
  await client().workflow.signalWithStart(WorkflowType.hostRegistry, {
    workflowId: hostRegistryWorkflowId(controllerTaskQueue),
    taskQueue: controllerTaskQueue,
    args: [{}],
    signal,
    signalArgs: [arg],
  });
}

/** Sends host results to the registry. */
export async function recordOutcomesInRegistry(input: { controllerTaskQueue: string; outcomes: DeploymentOutcomes }): Promise<void> {
  await signalRegistry(input.controllerTaskQueue, recordDeploymentOutcomesSignal, input.outcomes);
}

/** Starts a group's deployment workflow; a retry finding it already started is a success. */
export async function startDeploymentWorkflow(input: { deploymentId: string; input: DeploymentInput; controllerTaskQueue: string }): Promise<void> {
  try {
    await client().workflow.start(WorkflowType.deployment, {
      workflowId: input.deploymentId,
      taskQueue: input.controllerTaskQueue,
      args: [input.input],
      workflowIdConflictPolicy: 'FAIL',
      ...deploymentStartOptions(input.input, input.input.group?.queued ? 'Queued' : 'Created', revisionAttributeFor(client(), describeRevision(input.input.revision))),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Asks a deployment group for a rollback through its validated `rollback` update. */
export async function requestRollback(input: { groupWorkflowId: string; request: RollbackRequest }): Promise<{ deploymentId: string } | { refused: string }> {
  try {
    const started = await client().workflow.getHandle(input.groupWorkflowId).executeUpdate(rollbackUpdate, { args: [input.request] });
    return { deploymentId: started.deploymentId };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { refused: (err.cause as Error | undefined)?.message ?? err.message };
    throw err;
  }
}

/** Tells the registry which hosts a group selects, so it hears when one joins. */
export async function watchTargets(input: { controllerTaskQueue: string; watch: TargetWatch }): Promise<void> {
  await signalRegistry(input.controllerTaskQueue, watchTargetsSignal, input.watch);
}
