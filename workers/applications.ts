import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { ApplicationInfo, CreateApplicationRequest } from '../workflows/contracts/applications.js';
import { groupPlatformMismatch, validateApplicationName, validateCreateApplication } from '../workflows/contracts/applications.js';
import type { DeploymentGroupConfig } from '../workflows/contracts/deployment-group.js';
import { applicationsWorkflowId, CONTROLLER_TASK_QUEUE, WorkflowType } from '../workflows/contracts/naming.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { applicationsQuery, createApplicationUpdate, deleteApplicationUpdate, renameApplicationUpdate } from '../workflows/messages.js';
import { deleteDeploymentGroup, groupsOfApplication } from './deployment-groups.js';
import { listDeployments, refusalsAsUsageErrors, UsageError } from './deployments.js';

/** `create-application` (or, with ifAbsent, the application a group's creation registers). */
export async function createApplication(client: Client, request: CreateApplicationRequest, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationInfo> {
  const problems = validateCreateApplication(request);
  if (problems.length > 0) throw new UsageError(`invalid application: ${joinProblems(problems)}`);
  return refusalsAsUsageErrors(
    () =>
      client.workflow.executeUpdateWithStart(createApplicationUpdate, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation(WorkflowType.applications, { workflowId: applicationsWorkflowId(taskQueue), taskQueue, args: [{}], workflowIdConflictPolicy: 'USE_EXISTING' }),
      }),
    'the application catalog could not be created',
  );
}

/** Every application (none when the catalog was never created). */
export async function listApplications(client: Client, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationInfo[]> {
  try {
    return await client.workflow.getHandle(applicationsWorkflowId(taskQueue)).query(applicationsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}

export async function getApplication(client: Client, applicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationInfo> {
  const found = (await listApplications(client, taskQueue)).find((a) => a.applicationName === applicationName);
  if (!found) throw new UsageError(`application ${applicationName} does not exist (ApplicationDoesNotExist): create it with gantry create-application`);
  return found;
}

/**
 * The group's place in its application: a group of an application that exists takes (or must match)
 * its compute platform. `register` (after the group's configuration is found valid) registers an
 * application that does not exist yet with the group's platform, as its first group's creation does.
 */
export async function fitGroupToApplication(client: Client, config: DeploymentGroupConfig, taskQueue = CONTROLLER_TASK_QUEUE): Promise<{ config: DeploymentGroupConfig; register(): Promise<void> }> {
  const application = (await listApplications(client, taskQueue)).find((a) => a.applicationName === config.applicationName);
  if (!application) {
    return { config, register: async () => void (await createApplication(client, { applicationName: config.applicationName, computePlatform: config.computePlatform ?? 'Server', ifAbsent: true }, taskQueue)) };
  }
  const mismatch = groupPlatformMismatch(application, config.deploymentGroupName, config.computePlatform);
  if (mismatch) throw new UsageError(mismatch);
  return { config: application.computePlatform === 'Lambda' ? { ...config, computePlatform: 'Lambda' } : config, register: async () => undefined };
}

/** The deployments of an application whose workflows still run (queued ones included), from Temporal visibility. */
async function runningDeployments(client: Client, applicationName: string): Promise<string[]> {
  return (await listDeployments(client, { applicationName, running: true, limit: 25 })).map((d) => d.deploymentId);
}

/**
 * `delete-application`: refused while any of its deployments runs or waits; otherwise its deployment
 * groups are deleted, then the application and its registered revisions. Safe to repeat: a retry after
 * a failure part-way finds the groups already gone.
 */
export async function deleteApplication(client: Client, applicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<void> {
  const application = (await listApplications(client, taskQueue)).find((a) => a.applicationName === applicationName);
  const groups = await groupsOfApplication(client, applicationName, taskQueue);
  if (!application && groups.length === 0) throw new UsageError(`application ${applicationName} does not exist (ApplicationDoesNotExist)`);
  const running = await runningDeployments(client, applicationName);
  if (running.length > 0) throw new UsageError(`application ${applicationName} has deployments in progress or queued (${running.join(', ')}); stop them or wait for them to end, then delete it`);
  for (const group of groups) await deleteDeploymentGroup(client, applicationName, group, taskQueue);
  if (application) {
    await refusalsAsUsageErrors(() => client.workflow.getHandle(applicationsWorkflowId(taskQueue)).executeUpdate(deleteApplicationUpdate, { args: [{ applicationName }] }), `application ${applicationName} does not exist (ApplicationDoesNotExist)`);
  }
}

/**
 * `update-application --new-application-name`: renames an application that has no deployment group
 * yet. A group's state (its workflow, its hosts' deployment directories, the registry's record of what
 * each host runs) is keyed by its application's name, so an application with groups keeps its name:
 * create the new application and its groups instead.
 */
export async function renameApplication(client: Client, applicationName: string, newApplicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationInfo> {
  const problems = validateApplicationName(newApplicationName, 'newApplicationName');
  if (problems.length > 0) throw new UsageError(`invalid application name: ${joinProblems(problems)}`);
  await getApplication(client, applicationName, taskQueue);
  if ((await listApplications(client, taskQueue)).some((a) => a.applicationName === newApplicationName)) throw new UsageError(`application ${newApplicationName} already exists (ApplicationAlreadyExists)`);
  const groups = await groupsOfApplication(client, applicationName, taskQueue);
  if (groups.length > 0) {
    throw new UsageError(
      `application ${applicationName} has deployment groups (${groups.join(', ')}), and a group's state on its hosts and in the host registry is keyed by its application's name: Gantry renames only an application without groups. Create application ${newApplicationName} and its groups instead`,
    );
  }
  if (await deploymentGroupExistsFor(client, newApplicationName, taskQueue)) throw new UsageError(`deployment groups of ${newApplicationName} exist already; choose another name`);
  return refusalsAsUsageErrors(
    () => client.workflow.getHandle(applicationsWorkflowId(taskQueue)).executeUpdate(renameApplicationUpdate, { args: [{ applicationName, newApplicationName }] }),
    `application ${applicationName} does not exist (ApplicationDoesNotExist)`,
  );
}

async function deploymentGroupExistsFor(client: Client, applicationName: string, taskQueue: string): Promise<boolean> {
  return (await groupsOfApplication(client, applicationName, taskQueue)).length > 0;
}
