import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { HostRegistration } from './contracts/hosts.js';
import type { GroupHealth } from './contracts/inventory.js';
import { emptyGroupHealth, recordOutcomes, selectTargets } from './contracts/inventory.js';
import { deregisterHostSignal, hostsQuery, recordDeploymentOutcomesSignal, registerHostSignal, selectTargetsQuery } from './messages.js';

/** Keep each run's history short: registrations arrive with every agent start, forever. */
const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;

export interface HostRegistryState {
  hosts?: HostRegistration[];
  /** Per deployment group ID: which revision each host runs and whether its last attempt succeeded. */
  groups?: Record<string, GroupHealth>;
}

/**
 * The durable inventory: hosts whose agents registered (tags, zone, load balancer target), and per
 * deployment group the health CodeDeploy schedules by. Agents register with signal-with-start, so it
 * exists as soon as the first agent starts; deployments report their host results to it. It never
 * ends; it continues as new, carrying its state, before its history grows long.
 */
export async function hostRegistry(state: HostRegistryState = {}): Promise<never> {
  const hosts = new Map<string, HostRegistration>((state.hosts ?? []).map((h) => [h.hostId, h]));
  const groups: Record<string, GroupHealth> = state.groups ?? {};
  setHandler(registerHostSignal, (registration) => {
    hosts.set(registration.hostId, registration);
  });
  setHandler(deregisterHostSignal, ({ hostId }) => {
    hosts.delete(hostId);
  });
  setHandler(recordDeploymentOutcomesSignal, (outcomes) => {
    recordOutcomes((groups[outcomes.deploymentGroupId] ??= emptyGroupHealth()), outcomes);
  });
  setHandler(hostsQuery, () => [...hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId)));
  setHandler(selectTargetsQuery, (query) => selectTargets(hosts, groups[query.deploymentGroupId], query));
  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof hostRegistry>({ hosts: [...hosts.values()], groups });
}
