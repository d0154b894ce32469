import { randomInt } from 'node:crypto';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DeploymentInput, DeploymentView } from '../workflows/contracts/deployment.js';
import { isTerminal, validateDeploymentInput } from '../workflows/contracts/deployment.js';
import { describeRevision } from '../workflows/contracts/revision.js';
import { findPredefinedConfig } from '../workflows/contracts/deployment-config.js';
import { CONTROLLER_TASK_QUEUE, DEPLOYMENT_ID_PATTERN, WorkflowType } from '../workflows/contracts/naming.js';
import { deploymentStatusQuery } from '../workflows/messages.js';
import { GantrySearchAttributes } from '../workflows/search-attributes.js';

/** Bad input from a user: the message says what to fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

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
  const problems = validateDeploymentInput(input);
  if (!findPredefinedConfig(input.deploymentConfigName)) {
    problems.push(`deploymentConfigName ${JSON.stringify(input.deploymentConfigName)} is not a known deployment configuration (OneAtATime, HalfAtATime, AllAtOnce)`);
  }
  if (problems.length > 0) throw new UsageError(`invalid deployment: ${problems.join('; ')}`);
  const deploymentId = options.deploymentId ?? newDeploymentId();
  if (!DEPLOYMENT_ID_PATTERN.test(deploymentId)) throw new UsageError(`deployment ID ${deploymentId} must look like d-XXXXXXXXX`);
  await client.workflow.start(WorkflowType.deployment, {
    workflowId: deploymentId,
    taskQueue: options.taskQueue ?? CONTROLLER_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: GantrySearchAttributes.application, value: input.applicationName },
      { key: GantrySearchAttributes.deploymentGroup, value: input.deploymentGroupName },
      { key: GantrySearchAttributes.revision, value: describeRevision(input.revision) },
      { key: GantrySearchAttributes.status, value: 'Created' },
    ],
  });
  return deploymentId;
}

function viewFromFailure(err: unknown): DeploymentView | undefined {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure) {
      const detail = cause.details?.[0];
      if (detail && typeof detail === 'object' && 'deploymentId' in detail && 'targets' in detail) return detail as DeploymentView;
    }
    cause = cause.cause;
  }
  return undefined;
}

/**
 * The current view of a deployment. Running deployments answer the `status` query; finished ones are
 * read from their result or failure, so this works even when no controller worker is running.
 */
export async function getDeployment(client: Client, deploymentId: string): Promise<DeploymentView> {
  const handle = client.workflow.getHandle(deploymentId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`deployment ${deploymentId} does not exist`);
    throw err;
  }
  if (description.type !== WorkflowType.deployment) throw new UsageError(`${deploymentId} is not a Gantry deployment (workflow type ${description.type})`);
  if (description.status.name === 'RUNNING') return handle.query(deploymentStatusQuery);
  try {
    return (await handle.result()) as DeploymentView;
  } catch (err) {
    const view = viewFromFailure(err);
    if (view) return view;
    throw new UsageError(`deployment ${deploymentId} ended without a status (${description.status.name}): ${(err as Error).message}`);
  }
}

/**
 * Follows a deployment until it ends, calling `onUpdate` whenever its view changes. Polls the
 * `status` query, which costs no workflow history.
 */
export async function followDeployment(
  client: Client,
  deploymentId: string,
  onUpdate: (view: DeploymentView) => void,
  pollMs = 300,
): Promise<DeploymentView> {
  let last = '';
  for (;;) {
    const view = await getDeployment(client, deploymentId);
    const text = JSON.stringify(view);
    if (text !== last) {
      last = text;
      onUpdate(view);
    }
    if (isTerminal(view.status)) return view;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
