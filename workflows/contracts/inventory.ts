import type { DeploymentOutcomes, HostRegistration, InstanceHealth, RevisionHealth, SelectedTarget, TargetQuery } from './hosts.js';
import type { OnPremisesInstance } from './on-premises.js';
import { selects } from './targets.js';

/**
 * What the registry remembers per deployment group about its hosts, compactly so that 10,000 hosts
 * fit in one continue-as-new payload: revisions are interned, and each host is
 * [index of its last successfully installed revision or -1, 1 if the last attempt succeeded else 0].
 */
export interface GroupHealth {
  revisions: string[];
  /** Index of the group's last successful deployment revision, or -1. */
  current: number;
  hosts: Record<string, [number, 0 | 1]>;
}

export function emptyGroupHealth(): GroupHealth {
  return { revisions: [], current: -1, hosts: {} };
}

function intern(group: GroupHealth, revision: string): number {
  const index = group.revisions.indexOf(revision);
  if (index >= 0) return index;
  group.revisions.push(revision);
  return group.revisions.length - 1;
}

/** Applies a deployment's host results (CodeDeploy's health bookkeeping, reference §5.2). */
export function recordOutcomes(group: GroupHealth, outcomes: DeploymentOutcomes): void {
  const revision = intern(group, outcomes.revision);
  for (const hostId of outcomes.succeeded) group.hosts[hostId] = [revision, 1];
  for (const hostId of outcomes.failed) group.hosts[hostId] = [group.hosts[hostId]?.[0] ?? -1, 0];
  if (outcomes.deploymentSucceeded) group.current = revision;
  // Forget revisions no host and not the group refers to, so the table stays small.
  const used = new Set<number>([group.current, ...Object.values(group.hosts).map(([r]) => r)]);
  if (used.size < group.revisions.length + 1) {
    const remap = new Map<number, number>();
    const kept: string[] = [];
    group.revisions.forEach((rev, i) => {
      if (used.has(i)) {
        remap.set(i, kept.length);
        kept.push(rev);
      }
    });
    const at = (i: number): number => (i < 0 ? -1 : (remap.get(i) ?? -1));
    group.revisions = kept;
    group.current = at(group.current);
    for (const [hostId, [r, ok]] of Object.entries(group.hosts)) group.hosts[hostId] = [at(r), ok];
  }
}

/**
 * The hosts a selection matches, with their health for this group. Registered hosts are matched by
 * tags; hosts named explicitly are included even if their agent never registered (it then fails
 * fast at its first event). Named hosts come first in the order given, then tag matches by host ID;
 * the planner then applies CodeDeploy's scheduling order on top (a stable sort).
 */
export function selectTargets(hosts: ReadonlyMap<string, HostRegistration>, group: GroupHealth | undefined, query: TargetQuery, instances: ReadonlyMap<string, OnPremisesInstance> = new Map()): SelectedTarget[] {
  const chosen = new Map<string, HostRegistration | undefined>();
  for (const hostId of query.selection.targetHosts ?? []) chosen.set(hostId, hosts.get(hostId));
  // Instances managed centrally are matched by their central tags (an agent or not); deregistered ones never by tags.
  // Without any (the usual case) the agents' registrations are matched as they are, with no copy of 10,000 hosts.
  let candidates: Iterable<{ hostId: string; tags: Record<string, string> }> = hosts.values();
  if (instances.size > 0) {
    const merged = new Map<string, { hostId: string; tags: Record<string, string> }>([...hosts.values()].map((h) => [h.hostId, h]));
    for (const instance of instances.values()) {
      if (instance.registrationStatus === 'Deregistered') merged.delete(instance.instanceName);
      else merged.set(instance.instanceName, { hostId: instance.instanceName, tags: instance.tags });
    }
    candidates = merged.values();
  }
  const tagged = [...candidates].filter((h) => !chosen.has(h.hostId) && selects(query.selection, h.hostId, h.tags)).map((h) => hosts.get(h.hostId) ?? { hostId: h.hostId, tags: h.tags, zone: null, registeredAt: '' });
  for (const host of tagged.sort((a, b) => (a.hostId < b.hostId ? -1 : 1))) chosen.set(host.hostId, host);
  return [...chosen.entries()].map(([hostId, host]) => {
    const record = group?.hosts[hostId];
    const installed = record && record[0] >= 0 ? (group?.revisions[record[0]] ?? null) : null;
    const instanceHealth: InstanceHealth = record?.[1] === 1 ? 'Healthy' : 'Unhealthy';
    const revisionHealth: RevisionHealth = installed === null ? 'Unknown' : group && record && record[0] === group.current ? 'Current' : 'Old';
    const target: SelectedTarget = { hostId, zone: host?.zone ?? null, registered: host !== undefined, instanceHealth, revisionHealth, installedRevision: installed };
    if (host?.loadBalancerTarget) target.loadBalancerTarget = host.loadBalancerTarget;
    if (instances.get(hostId)?.registrationStatus === 'Deregistered') target.deregistered = true;
    if (host && !host.registeredAt) target.registered = false; // registered centrally, no agent has registered yet
    return target;
  });
}

/** Whether a host lacks the group's current revision (or its last attempt failed): a new host to catch up. */
export function isOutdated(group: GroupHealth | undefined, hostId: string): boolean {
  if (!group || group.current < 0) return false; // nothing deployed yet: nothing to catch up with
  const record = group.hosts[hostId];
  return !record || record[1] !== 1 || record[0] !== group.current;
}
