import { describe, expect, it } from 'vitest';
import type { HostRegistration } from '../../../workflows/contracts/hosts.js';
import { emptyGroupHealth, recordOutcomes, selectTargets } from '../../../workflows/contracts/inventory.js';

const registered = (hostId: string, tags: Record<string, string>, zone: string | null = null): [string, HostRegistration] => [hostId, { hostId, tags, zone, registeredAt: '2026-01-01T00:00:00Z' }];

describe('workflows/contracts/inventory: health bookkeeping (reference §5.2)', () => {
  const hosts = new Map([registered('a', { role: 'web' }, 'z1'), registered('b', { role: 'web' }), registered('c', { role: 'db' })]);

  it('never-deployed hosts are Unhealthy with Unknown revision health; named hosts need not be registered', () => {
    const selected = selectTargets(hosts, undefined, { deploymentGroupId: 'g', selection: { targetHosts: ['zz'], tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] } });
    expect(selected.map((t) => [t.hostId, t.registered, t.zone, t.instanceHealth, t.revisionHealth])).toEqual([
      ['zz', false, null, 'Unhealthy', 'Unknown'],
      ['a', true, 'z1', 'Unhealthy', 'Unknown'],
      ['b', true, null, 'Unhealthy', 'Unknown'],
    ]);
  });

  it('a success makes a host Healthy on that revision; a failure makes it Unhealthy and keeps what it ran; success moves the group', () => {
    const group = emptyGroupHealth();
    recordOutcomes(group, { deploymentGroupId: 'g', revision: 'r1', succeeded: ['a', 'b'], failed: [], deploymentSucceeded: true });
    recordOutcomes(group, { deploymentGroupId: 'g', revision: 'r2', succeeded: ['a'], failed: ['b'] });
    const view = (id: string) => selectTargets(hosts, group, { deploymentGroupId: 'g', selection: { targetHosts: [id] } })[0];
    expect(view('a')).toMatchObject({ instanceHealth: 'Healthy', revisionHealth: 'Old', installedRevision: 'r2' }); // the group is still on r1
    expect(view('b')).toMatchObject({ instanceHealth: 'Unhealthy', revisionHealth: 'Current', installedRevision: 'r1' });
    recordOutcomes(group, { deploymentGroupId: 'g', revision: 'r2', succeeded: [], failed: [], deploymentSucceeded: true });
    expect(view('a')).toMatchObject({ revisionHealth: 'Current' });
    expect(view('b')).toMatchObject({ revisionHealth: 'Old' });
  });

  it('keeps only revisions still referred to, so the record stays small', () => {
    const group = emptyGroupHealth();
    for (let i = 0; i < 50; i += 1) recordOutcomes(group, { deploymentGroupId: 'g', revision: `r${i}`, succeeded: ['a'], failed: [], deploymentSucceeded: true });
    expect(group.revisions).toEqual(['r49']);
    expect(group.hosts).toEqual({ a: [0, 1] });
  });
});
