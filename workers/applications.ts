import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { ApplicationInfo, CreateApplicationRequest } from '../workflows/contracts/applications.js';
import { groupPlatformMismatch, validateCreateApplication } from '../workflows/contracts/applications.js';
import type { DeploymentGroupConfig } from '../workflows/contracts/deployment-group.js';
import { applicationsWorkflowId, CONTROLLER_TASK_QUEUE, WorkflowType } from '../workflows/contracts/naming.js';
import { joinProblems } from '../workflows/contracts/values.js';
import { applicationsQuery, createApplicationUpdate } from '../workflows/messages.js';
import { refusalsAsUsageErrors, UsageError } from './deployments.js';

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
