/** On-premises instances managed centrally, from the client side (the host registry's updates). */
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { OnPremisesInstance } from '../workflows/contracts/on-premises.js';
import { CONTROLLER_TASK_QUEUE, hostRegistryWorkflowId, WorkflowType } from '../workflows/contracts/naming.js';
import { addTagsUpdate, deregisterInstanceUpdate, onPremisesInstancesQuery, registerInstanceUpdate, removeTagsUpdate } from '../workflows/messages.js';
import { selects, type TagFilter } from '../workflows/contracts/targets.js';
import { refusalsAsUsageErrors, UsageError } from './deployments.js';

type Tag = { Key: string; Value?: string };

/** Runs an update on the registry, creating it if no agent has yet. */
function onRegistry<R>(client: Client, taskQueue: string, run: (start: WithStartWorkflowOperation<Workflow>) => Promise<R>): Promise<R> {
  const start = new WithStartWorkflowOperation(WorkflowType.hostRegistry, { workflowId: hostRegistryWorkflowId(taskQueue), taskQueue, args: [{}], workflowIdConflictPolicy: 'USE_EXISTING' });
  return refusalsAsUsageErrors(() => run(start), 'the host registry could not be reached');
}

export async function registerOnPremisesInstance(client: Client, request: { instanceName: string; iamUserArn?: string; iamSessionArn?: string }, taskQueue = CONTROLLER_TASK_QUEUE): Promise<OnPremisesInstance> {
  const [instance] = await onRegistry(client, taskQueue, (startWorkflowOperation) => client.workflow.executeUpdateWithStart(registerInstanceUpdate, { args: [request], startWorkflowOperation }));
  return instance as OnPremisesInstance;
}

export async function deregisterOnPremisesInstance(client: Client, instanceName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<OnPremisesInstance> {
  const [instance] = await onRegistry(client, taskQueue, (startWorkflowOperation) => client.workflow.executeUpdateWithStart(deregisterInstanceUpdate, { args: [{ instanceName }], startWorkflowOperation }));
  return instance as OnPremisesInstance;
}

export async function tagOnPremisesInstances(client: Client, add: boolean, instanceNames: string[], tags: Tag[], taskQueue = CONTROLLER_TASK_QUEUE): Promise<OnPremisesInstance[]> {
  return onRegistry(client, taskQueue, (startWorkflowOperation) => client.workflow.executeUpdateWithStart(add ? addTagsUpdate : removeTagsUpdate, { args: [{ instanceNames, tags }], startWorkflowOperation }));
}

/** `list-on-premises-instances`: by registration status and tag filters (a match of any filter), as aws deploy does. */
export async function listOnPremisesInstances(client: Client, filter: { registrationStatus?: 'Registered' | 'Deregistered'; tagFilters?: TagFilter[] } = {}, taskQueue = CONTROLLER_TASK_QUEUE): Promise<OnPremisesInstance[]> {
  let all: OnPremisesInstance[] = [];
  try {
    all = await client.workflow.getHandle(hostRegistryWorkflowId(taskQueue)).query(onPremisesInstancesQuery);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return all.filter((i) => (!filter.registrationStatus || i.registrationStatus === filter.registrationStatus) && (!filter.tagFilters?.length || selects({ tagFilters: filter.tagFilters }, i.instanceName, i.tags)));
}

export async function getOnPremisesInstance(client: Client, instanceName: string, taskQueue = CONTROLLER_TASK_QUEUE): Promise<OnPremisesInstance> {
  const found = (await listOnPremisesInstances(client, {}, taskQueue)).find((i) => i.instanceName === instanceName);
  if (!found) throw new UsageError(`on-premises instance ${instanceName} is not registered (InstanceNotRegistered)`);
  return found;
}
