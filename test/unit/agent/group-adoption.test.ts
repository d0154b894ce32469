import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adoptFormerGroupState } from '../../../agent/group-adoption.js';
import { AgentLayout } from '../../../agent/layout.js';
import { deriveDeploymentGroupId } from '../../../workflows/contracts/deployment.js';
import { scratchDir } from '../../support/harness.js';

const former = { applicationName: 'shop', deploymentGroupName: 'web' };
const oldId = deriveDeploymentGroupId('shop', 'web');
const newId = deriveDeploymentGroupId('store', 'web');

/** A host that ran d-OLD0000001 for shop/web. */
function hostWithOldGroup(): AgentLayout {
  const layout = new AgentLayout(scratchDir('adoption'));
  mkdirSync(join(layout.deploymentDir(oldId, 'd-OLD0000001'), 'deployment-archive'), { recursive: true });
  mkdirSync(layout.instructionsDir, { recursive: true });
  writeFileSync(layout.lastSuccessfulInstallFile(oldId), layout.deploymentDir(oldId, 'd-OLD0000001'));
  writeFileSync(layout.mostRecentInstallFile(oldId), layout.deploymentDir(oldId, 'd-OLD0000001'));
  writeFileSync(layout.cleanupFile(oldId), '/srv/shop/index.html\n');
  return layout;
}

describe('agent/group-adoption', () => {
  it("moves a former group's directories, pointers and cleanup list to the group's new ID", async () => {
    const layout = hostWithOldGroup();
    expect(await adoptFormerGroupState(layout, newId, [former])).toBe(oldId);
    expect(existsSync(join(layout.deploymentRoot, oldId))).toBe(false);
    expect(existsSync(join(layout.deploymentDir(newId, 'd-OLD0000001'), 'deployment-archive'))).toBe(true);
    expect(readFileSync(layout.lastSuccessfulInstallFile(newId), 'utf8')).toBe(layout.deploymentDir(newId, 'd-OLD0000001'));
    expect(readFileSync(layout.mostRecentInstallFile(newId), 'utf8')).toBe(layout.deploymentDir(newId, 'd-OLD0000001'));
    expect(readFileSync(layout.cleanupFile(newId), 'utf8')).toBe('/srv/shop/index.html\n');
    expect([existsSync(layout.lastSuccessfulInstallFile(oldId)), existsSync(layout.cleanupFile(oldId))]).toEqual([false, false]);
    // Done once: a group with state of its own adopts nothing more.
    expect(await adoptFormerGroupState(layout, newId, [former])).toBeUndefined();
  });

  it('finishes a move an agent was killed in the middle of', async () => {
    const layout = hostWithOldGroup();
    // Killed after the directories moved, before anything else.
    renameSync(join(layout.deploymentRoot, oldId), join(layout.deploymentRoot, newId));
    expect(await adoptFormerGroupState(layout, newId, [former])).toBe(oldId);
    expect(readFileSync(layout.lastSuccessfulInstallFile(newId), 'utf8')).toBe(layout.deploymentDir(newId, 'd-OLD0000001'));
    expect(readFileSync(layout.cleanupFile(newId), 'utf8')).toBe('/srv/shop/index.html\n');
  });

  it('merges into a new place that exists already, and leaves a host that never ran the group alone', async () => {
    const layout = hostWithOldGroup();
    mkdirSync(layout.deploymentDir(newId, 'd-NEW0000001'), { recursive: true });
    await adoptFormerGroupState(layout, newId, [former]);
    expect(existsSync(layout.deploymentDir(newId, 'd-OLD0000001'))).toBe(true);
    expect(existsSync(layout.deploymentDir(newId, 'd-NEW0000001'))).toBe(true);
    const fresh = new AgentLayout(scratchDir('adoption-none'));
    expect(await adoptFormerGroupState(fresh, newId, [former])).toBeUndefined();
    expect(existsSync(fresh.deploymentRoot)).toBe(false);
  });
});
