import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { ApplicationInfo, CreateApplicationRequest } from '../workflows/contracts/applications.js';
import { groupPlatformMismatch, validateApplicationName, validateCreateApplication } from '../workflows/contracts/applications.js';
import type { DeploymentGroupConfig, DeploymentGroupView } from '../workflows/contracts/deployment-group.js';
import { deriveDeploymentGroupId, type FormerDeploymentGroup, MAX_FORMER_GROUPS } from '../workflows/contracts/deployment.js';
import { applicationsWorkflowId, CONTROLLER_TASK_QUEUE, deploymentGroupWorkflowId, hostRegistryWorkflowId, WorkflowType } from '../workflows/contracts/naming.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { applicationsQuery, createApplicationUpdate, deleteApplicationUpdate, moveGroupHealthSignal, renameApplicationUpdate } from '../workflows/messages.js';
import { deleteDeploymentGroup, deploymentGroupExists, getDeploymentGroup, groupsOfApplication } from './deployment-groups.js';
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

/** An application's name and the names it had before it was renamed (just the name for one not in the catalog). */
export async function applicationNamesOf(client: Client, applicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<string[]> {
  const application = (await listApplications(client, taskQueue)).find((a) => a.applicationName === applicationName);
  return [applicationName, ...(application?.formerNames ?? [])];
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
 * `update-application --new-application-name`: renames an application, moving each of its
 * deployment groups to the new name with its configuration and history. A group's ID derives from its
 * names, so a moved group has a new one: the host registry's health records follow it, and its next
 * deployment tells each host the former names, whose state there (deployment directories, last
 * successful revision, cleanup list) the agent adopts. Refused while a deployment of the application
 * runs or waits. Safe to repeat: a group already moved is recognised by its former name.
 */
export async function renameApplication(client: Client, applicationName: string, newApplicationName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<ApplicationInfo> {
  const problems = validateApplicationName(newApplicationName, 'newApplicationName');
  if (problems.length > 0) throw new UsageError(`invalid application name: ${joinProblems(problems)}`);
  const applications = await listApplications(client, taskQueue);
  if (!applications.some((a) => a.applicationName === applicationName)) throw new UsageError(`application ${applicationName} does not exist (ApplicationDoesNotExist)`);
  if (applications.some((a) => a.applicationName === newApplicationName)) throw new UsageError(`application ${newApplicationName} already exists (ApplicationAlreadyExists)`);
  const running = await runningDeployments(client, applicationName);
  if (running.length > 0) throw new UsageError(`application ${applicationName} has deployments in progress or queued (${running.join(', ')}); stop them or wait for them to end, then rename it`);
  for (const group of await groupsOfApplication(client, applicationName, taskQueue)) await moveDeploymentGroup(client, applicationName, group, newApplicationName, taskQueue);
  return refusalsAsUsageErrors(
    () => client.workflow.getHandle(applicationsWorkflowId(taskQueue)).executeUpdate(renameApplicationUpdate, { args: [{ applicationName, newApplicationName }] }),
    `application ${applicationName} does not exist (ApplicationDoesNotExist)`,
  );
}

/** One group of a renamed application: started under the new name with its state, then the old one deleted. */
async function moveDeploymentGroup(client: Client, applicationName: string, groupName: string, newApplicationName: string, taskQueue: string): Promise<void> {
  const view = await getDeploymentGroup(client, applicationName, groupName, taskQueue);
  const former: FormerDeploymentGroup = { applicationName, deploymentGroupName: groupName };
  if (await deploymentGroupExists(client, newApplicationName, groupName, taskQueue)) {
    const there = await getDeploymentGroup(client, newApplicationName, groupName, taskQueue);
    const movedBefore = there.formerNames?.[0]?.applicationName === applicationName && there.formerNames[0].deploymentGroupName === groupName;
    if (!movedBefore) throw new UsageError(`deployment group ${newApplicationName}/${groupName} exists already; choose another name`);
  } else {
    if (view.inProgress || view.queued.length > 0) throw new UsageError(`deployment group ${applicationName}/${groupName} has deployments in progress or queued; stop them or wait for them to end, then rename`);
    const config: DeploymentGroupConfig = { ...view.config, applicationName: newApplicationName };
    const moved: DeploymentGroupView = {
      ...view,
      config,
      deploymentGroupId: deriveDeploymentGroupId(newApplicationName, groupName),
      joiningHosts: [],
      formerNames: [former, ...(view.formerNames ?? [])].slice(0, MAX_FORMER_GROUPS),
    };
    await client.workflow.start(WorkflowType.deploymentGroup, { workflowId: deploymentGroupWorkflowId(newApplicationName, groupName, taskQueue), taskQueue, args: [{ config, view: moved }], workflowIdConflictPolicy: 'USE_EXISTING' });
  }
  await signalHostRegistry(client, taskQueue, { fromDeploymentGroupId: view.deploymentGroupId, toDeploymentGroupId: deriveDeploymentGroupId(newApplicationName, groupName) });
  await deleteDeploymentGroup(client, applicationName, groupName, taskQueue);
}

/** Moves a group's health records in the host registry (none to move when no agent ever registered). */
async function signalHostRegistry(client: Client, taskQueue: string, move: { fromDeploymentGroupId: string; toDeploymentGroupId: string }): Promise<void> {
  try {
    await client.workflow.getHandle(hostRegistryWorkflowId(taskQueue)).signal(moveGroupHealthSignal, move);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
