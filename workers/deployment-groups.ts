import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { DeploymentGroupConfig, DeploymentGroupView, GroupDeploymentRequest, RollbackRequest } from '../workflows/contracts/deployment-group.js';
import { validateGroupConfig } from '../workflows/contracts/deployment-group.js';
import { CONTROLLER_TASK_QUEUE, deploymentGroupWorkflowId, WorkflowType } from '../workflows/contracts/naming.js';
import { createGroupDeploymentUpdate, deleteDeploymentGroupUpdate, deploymentGroupQuery, rollbackUpdate, updateDeploymentGroupUpdate } from '../workflows/messages.js';
import { refusalsAsUsageErrors, UsageError } from './deployments.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { fitGroupToApplication } from './applications.js';


const missing = (config: { applicationName: string; deploymentGroupName: string }): string =>
  `deployment group ${config.applicationName}/${config.deploymentGroupName} does not exist: create it with gantry create-deployment-group`;

/** `create-deployment-group`: starts the group's entity workflow; refused when it already exists. */
export async function createDeploymentGroup(client: Client, given: DeploymentGroupConfig, taskQueue = CONTROLLER_TASK_QUEUE): Promise<DeploymentGroupView> {
  const { config, register } = await fitGroupToApplication(client, given, taskQueue);
  const problems = validateGroupConfig(config);
  if (problems.length > 0) throw new UsageError(`invalid deployment group: ${joinProblems(problems)}`);
  const workflowId = deploymentGroupWorkflowId(config.applicationName, config.deploymentGroupName, taskQueue);
  if (await getDeploymentGroup(client, config.applicationName, config.deploymentGroupName, taskQueue).catch(() => undefined)) {
    throw new UsageError(`deployment group ${config.applicationName}/${config.deploymentGroupName} already exists (use update-deployment-group)`);
  }
  await register();
  // Update-with-start: created and configured in one step, the validator checking the configuration.
  return refusalsAsUsageErrors(
    () =>
      client.workflow.executeUpdateWithStart(updateDeploymentGroupUpdate, {
        args: [config],
        startWorkflowOperation: new WithStartWorkflowOperation(WorkflowType.deploymentGroup, {
          workflowId,
          taskQueue,
          args: [{ config }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    missing(config),
  );
}

export async function updateDeploymentGroup(client: Client, config: DeploymentGroupConfig, taskQueue = CONTROLLER_TASK_QUEUE): Promise<DeploymentGroupView> {
  const handle = client.workflow.getHandle(deploymentGroupWorkflowId(config.applicationName, config.deploymentGroupName, taskQueue));
  return refusalsAsUsageErrors(() => handle.executeUpdate(updateDeploymentGroupUpdate, { args: [config] }), missing(config));
}

export async function getDeploymentGroup(client: Client, applicationName: string, deploymentGroupName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<DeploymentGroupView> {
  // A deleted group's workflow has completed (and would still answer queries).
  if (!(await deploymentGroupExists(client, applicationName, deploymentGroupName, taskQueue))) throw new UsageError(missing({ applicationName, deploymentGroupName }));
  const handle = client.workflow.getHandle(deploymentGroupWorkflowId(applicationName, deploymentGroupName, taskQueue));
  return refusalsAsUsageErrors(() => handle.query(deploymentGroupQuery), missing({ applicationName, deploymentGroupName }));
}

/**
 * `delete-deployment-group`: refused while one of its deployments is in progress or queued. Returns
 * once the group's workflow has completed, so the name can be used again at once. Deleting a group
 * that does not exist succeeds, as CodeDeploy's does: a retry after a lost answer is not an error.
 */
export async function deleteDeploymentGroup(client: Client, applicationName: string, deploymentGroupName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<{ hooksNotCleanedUp: [] }> {
  const handle = client.workflow.getHandle(deploymentGroupWorkflowId(applicationName, deploymentGroupName, taskQueue));
  if (!(await deploymentGroupExists(client, applicationName, deploymentGroupName, taskQueue))) return { hooksNotCleanedUp: [] };
  try {
    await handle.executeUpdate(deleteDeploymentGroupUpdate);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new UsageError((err.cause as Error | undefined)?.message ?? err.message);
    // Completed between the check and the update: deleted already.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await handle.result();
  // Gantry adds no Auto Scaling lifecycle hooks, so none is left behind (CodeDeploy's hooksNotCleanedUp).
  return { hooksNotCleanedUp: [] };
}

/** Whether the group entity exists (deployments of unknown groups go straight to their targets). */
export async function deploymentGroupExists(client: Client, applicationName: string, deploymentGroupName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(deploymentGroupWorkflowId(applicationName, deploymentGroupName, taskQueue)).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** `list-deployment-groups`: the groups of an application (or all), from Temporal visibility. */
export async function listDeploymentGroups(client: Client, applicationName?: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<string[]> {
  const prefix = `${taskQueue}/deployment-group/${applicationName ? `${applicationName}/` : ''}`;
  const names: string[] = [];
  const query = `WorkflowType = '${WorkflowType.deploymentGroup}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${prefix.replace(/'/g, "\\'")}'`;
  for await (const wf of client.workflow.list({ query })) names.push(wf.workflowId.slice(`${taskQueue}/deployment-group/`.length));
  return [...new Set(names)].sort();
}

/** The deployment groups (`application/group`) whose configuration names this deployment configuration. */
export async function groupsUsingDeploymentConfig(client: Client, deploymentConfigName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<string[]> {
  const groups = await listDeploymentGroups(client, undefined, taskQueue);
  const using = await Promise.all(
    groups.map(async (qualified) => {
      const [applicationName, ...rest] = qualified.split('/');
      const view = await getDeploymentGroup(client, applicationName as string, rest.join('/'), taskQueue).catch(() => undefined);
      return view?.config.deploymentConfigName === deploymentConfigName ? [qualified] : [];
    }),
  );
  return using.flat();
}

/** The names of an application's deployment groups (without the application's prefix). */
export async function groupsOfApplication(client: Client, applicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<string[]> {
  return (await listDeploymentGroups(client, applicationName, taskQueue)).map((name) => name.slice(applicationName.length + 1));
}

/** `create-deployment` for a group that exists: the group starts it now or queues it. */
export async function createGroupDeployment(
  client: Client,
  group: { applicationName: string; deploymentGroupName: string },
  request: GroupDeploymentRequest,
  taskQueue = CONTROLLER_TASK_QUEUE,
): Promise<{ deploymentId: string; status: 'InProgress' | 'Queued' }> {
  const handle = client.workflow.getHandle(deploymentGroupWorkflowId(group.applicationName, group.deploymentGroupName, taskQueue));
  return refusalsAsUsageErrors(() => handle.executeUpdate(createGroupDeploymentUpdate, { args: [request] }), missing(group));
}

/** `rollback`: the group redeploys its last successful revision, or a named earlier deployment's. */
export async function rollbackDeploymentGroup(
  client: Client,
  group: { applicationName: string; deploymentGroupName: string },
  request: RollbackRequest = {},
  taskQueue = CONTROLLER_TASK_QUEUE,
): Promise<{ deploymentId: string; status: 'InProgress' | 'Queued' }> {
  const handle = client.workflow.getHandle(deploymentGroupWorkflowId(group.applicationName, group.deploymentGroupName, taskQueue));
  return refusalsAsUsageErrors(() => handle.executeUpdate(rollbackUpdate, { args: [request] }), missing(group));
}
