/**
 * A cross-region rollout's calls to the regions' own workflows, through the worker's client: start a
 * deployment through a region's group (with the ID the rollout chose, so a retry starts nothing
 * more), wait for it to end (heartbeating, so a killed worker's wait is taken over by another), stop
 * it, and find other rollouts of the same application.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { DeploymentSummary } from '../workflows/contracts/deployment.js';
import type { GroupDeploymentRequest } from '../workflows/contracts/deployment-group.js';
import { FailureType } from '../workflows/contracts/errors.js';
import { deploymentGroupWorkflowId, SearchAttributeName, WorkflowType } from '../workflows/contracts/naming.js';
import { createGroupDeploymentUpdate, stopSignal } from '../workflows/messages.js';

const HEARTBEAT_MS = 5_000;

export async function startRegionDeployment(input: { taskQueue: string; applicationName: string; deploymentGroupName: string; request: GroupDeploymentRequest }): Promise<{ deploymentId: string }> {
  const group = deploymentGroupWorkflowId(input.applicationName, input.deploymentGroupName, input.taskQueue);
  try {
    const started = await Context.current().client.workflow.getHandle(group).executeUpdate(createGroupDeploymentUpdate, { args: [input.request] });
    return { deploymentId: started.deploymentId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw ApplicationFailure.create({ type: FailureType.InvalidDeploymentInput, nonRetryable: true, message: `deployment group ${input.applicationName}/${input.deploymentGroupName} does not exist on ${input.taskQueue}: create it in that region (gantry create-deployment-group --region …)` });
    }
    if (err instanceof WorkflowUpdateFailedError) throw ApplicationFailure.create({ type: FailureType.InvalidDeploymentInput, nonRetryable: true, message: (err.cause as Error | undefined)?.message ?? err.message });
    throw err;
  }
}

/** Waits until the deployment ends; answers its status and, when it did not succeed, why. */
export async function awaitDeployment(input: { deploymentId: string }): Promise<{ status: 'Succeeded' | 'Failed' | 'Stopped'; message?: string }> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    const result = context.client.workflow.getHandle(input.deploymentId).result();
    const summary = (await Promise.race([result, context.cancelled])) as DeploymentSummary;
    return { status: summary.status === 'Succeeded' ? 'Succeeded' : summary.status === 'Stopped' ? 'Stopped' : 'Failed' };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    let cause: unknown = err.cause;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure && cause.details?.[0])) cause = cause.cause;
    const summary = cause instanceof ApplicationFailure ? (cause.details?.[0] as DeploymentSummary | undefined) : undefined;
    const message = summary?.errorInformation ? `${summary.errorInformation.code}: ${summary.errorInformation.message}` : err.message;
    return { status: summary?.status === 'Stopped' ? 'Stopped' : 'Failed', message };
  } finally {
    clearInterval(beat);
  }
}

/** Stops a region's deployment; one that has already ended is left as it is. */
export async function stopRegionDeployment(input: { deploymentId: string; autoRollback?: boolean }): Promise<void> {
  try {
    await Context.current().client.workflow.getHandle(input.deploymentId).signal(stopSignal, { autoRollback: input.autoRollback ?? false });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** Other running rollouts of the application (from visibility). */
export async function runningRollouts(input: { applicationName: string; except: string }): Promise<string[]> {
  const quote = (v: string): string => `'${v.replace(/'/g, "\\'")}'`;
  const query = `WorkflowType = '${WorkflowType.crossRegionRollout}' AND ExecutionStatus = 'Running' AND ${SearchAttributeName.application} = ${quote(input.applicationName)}`;
  const found: string[] = [];
  for await (const wf of Context.current().client.workflow.list({ query })) if (wf.workflowId !== input.except) found.push(wf.workflowId);
  return found;
}
