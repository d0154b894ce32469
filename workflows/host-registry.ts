import { condition, continueAsNew, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OnPremisesInstance, OnPremisesRequest } from './contracts/on-premises.js';
import { applyOnPremisesRequest, validateOnPremisesRequest } from './contracts/on-premises.js';
import type { HostRegistration, TargetWatch } from './contracts/hosts.js';
import type { GroupHealth } from './contracts/inventory.js';
import { emptyGroupHealth, isOutdated, recordOutcomes, selectTargets } from './contracts/inventory.js';
import { selects } from './contracts/targets.js';
import {
  addTagsUpdate,
  deregisterHostSignal,
  deregisterInstanceUpdate,
  hostJoinedSignal,
  onPremisesInstancesQuery,
  registerInstanceUpdate,
  removeTagsUpdate,
  hostsQuery,
  recordDeploymentOutcomesSignal,
  registerHostSignal,
  selectTargetsQuery,
  watchTargetsSignal,
  moveGroupHealthSignal,
} from './messages.js';

/** Keep each run's history short: registrations arrive with every agent start, forever. */
const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;

export interface HostRegistryState {
  hosts?: HostRegistration[];
  /** Per deployment group ID: which revision each host runs and whether its last attempt succeeded. */
  groups?: Record<string, GroupHealth>;
  /** Deployment groups to tell about new hosts, by group workflow ID. */
  watches?: Record<string, TargetWatch>;
  /** On-premises instances managed centrally (register-on-premises-instance): status and tags. */
  instances?: OnPremisesInstance[];
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
  const watches: Record<string, TargetWatch> = state.watches ?? {};
  const instances = new Map<string, OnPremisesInstance>((state.instances ?? []).map((i) => [i.instanceName, i]));
  setHandler(registerHostSignal, (registration) => {
    hosts.set(registration.hostId, registration);
    const managed = instances.get(registration.hostId);
    if (managed?.registrationStatus === 'Deregistered') return;
    const tags = managed?.tags ?? registration.tags;
    // CodeDeploy's Auto Scaling behaviour: a host that joins a group's targets gets its current revision.
    for (const watch of Object.values(watches)) {
      if (!selects(watch.selection, registration.hostId, tags) || !isOutdated(groups[watch.deploymentGroupId], registration.hostId)) continue;
      void getExternalWorkflowHandle(watch.groupWorkflowId)
        .signal(hostJoinedSignal, { hostId: registration.hostId })
        .catch(() => undefined);
    }
  });
  setHandler(watchTargetsSignal, (watch) => {
    const { targetHosts, tagFilters, tagSet } = watch.selection;
    // An empty selection (a deleted group's) selects no host: nothing to keep.
    if (!targetHosts?.length && !tagFilters?.length && !tagSet?.length) Reflect.deleteProperty(watches, watch.groupWorkflowId);
    else watches[watch.groupWorkflowId] = watch;
  });
  setHandler(deregisterHostSignal, ({ hostId }) => {
    hosts.delete(hostId);
  });
  setHandler(moveGroupHealthSignal, ({ fromDeploymentGroupId, toDeploymentGroupId }) => {
    const moved = groups[fromDeploymentGroupId];
    if (!moved || groups[toDeploymentGroupId]) return; // moved already, or the new group has its own
    groups[toDeploymentGroupId] = moved;
    Reflect.deleteProperty(groups, fromDeploymentGroupId);
  });
  setHandler(recordDeploymentOutcomesSignal, (outcomes) => {
    recordOutcomes((groups[outcomes.deploymentGroupId] ??= emptyGroupHealth()), outcomes);
  });
  setHandler(hostsQuery, () => [...hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId)));
  setHandler(selectTargetsQuery, (query) => selectTargets(hosts, groups[query.deploymentGroupId], query, instances));
  // On-premises instances managed centrally; each request is checked by its validator before it lands.
  const check = (request: OnPremisesRequest): void => {
    const problems = validateOnPremisesRequest(request, instances);
    if (problems.length > 0) throw new Error(problems.join('; '));
  };
  const apply = (request: OnPremisesRequest): OnPremisesInstance[] => applyOnPremisesRequest(instances, request, new Date().toISOString(), (name) => ({ ...hosts.get(name)?.tags }));
  setHandler(registerInstanceUpdate, (r) => apply({ ...r, action: 'register' }), { validator: (r) => check({ ...r, action: 'register' }) });
  setHandler(deregisterInstanceUpdate, (r) => apply({ ...r, action: 'deregister' }), { validator: (r) => check({ ...r, action: 'deregister' }) });
  setHandler(addTagsUpdate, (r) => apply({ ...r, action: 'addTags' }), { validator: (r) => check({ ...r, action: 'addTags' }) });
  setHandler(removeTagsUpdate, (r) => apply({ ...r, action: 'removeTags' }), { validator: (r) => check({ ...r, action: 'removeTags' }) });
  setHandler(onPremisesInstancesQuery, () => [...instances.values()].sort((a, b) => a.instanceName.localeCompare(b.instanceName)));
  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof hostRegistry>({ hosts: [...hosts.values()], groups, watches, ...(instances.size ? { instances: [...instances.values()] } : {}) });
}
