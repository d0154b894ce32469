/**
 * A renamed application's groups get new group IDs (derived from the names), and so new places on
 * each host. The first deployment under the new name adopts what the old name left there: the
 * deployment directories, the last successful and most recent install pointers (so ApplicationStop
 * runs the previous revision's scripts), and the cleanup list (so the next Install removes the old
 * files). Each step can be repeated, so an agent killed part-way finishes the move next time.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveDeploymentGroupId } from '../workflows/contracts/deployment.js';
import type { AgentLayout } from './layout.js';

export interface FormerGroup {
  applicationName: string;
  deploymentGroupName: string;
}

/** Writes a file through a temporary name, so a reader sees the old content or the new, never half. */
async function replaceFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.adopting`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/**
 * Moves the state of the first former group that left any into `groupId`'s places, unless the group
 * has state of its own already. Answers the former group ID adopted, if any.
 */
export async function adoptFormerGroupState(layout: AgentLayout, groupId: string, formers: readonly FormerGroup[]): Promise<string | undefined> {
  const pointers = (id: string): string[] => [layout.lastSuccessfulInstallFile(id), layout.mostRecentInstallFile(id)];
  if (pointers(groupId).some((p) => existsSync(p))) return undefined;
  for (const former of formers) {
    const oldId = deriveDeploymentGroupId(former.applicationName, former.deploymentGroupName);
    const oldDir = join(layout.deploymentRoot, oldId);
    const newDir = join(layout.deploymentRoot, groupId);
    if (oldId === groupId || (!pointers(oldId).some((p) => existsSync(p)) && !existsSync(oldDir))) continue;
    // 1. The deployment directories (a rename when the new place is empty; one by one otherwise).
    if (existsSync(oldDir)) {
      if (!existsSync(newDir)) await rename(oldDir, newDir);
      else {
        for (const name of await readdir(oldDir)) if (!existsSync(join(newDir, name))) await rename(join(oldDir, name), join(newDir, name));
        await rm(oldDir, { recursive: true, force: true });
      }
    }
    await mkdir(layout.instructionsDir, { recursive: true });
    // 2. The cleanup list and the install plan (they name installed paths, not the group's place), before
    // the pointers: once the new pointers exist, the move counts as done.
    for (const [from, to] of [[layout.cleanupFile(oldId), layout.cleanupFile(groupId)], [layout.installInstructionsFile(oldId), layout.installInstructionsFile(groupId)]] as const) {
      if (existsSync(from) && !existsSync(to)) await rename(from, to);
    }
    // 3. The pointers, pointing into the new place; the old ones go last, so a repeat finds them.
    const [oldPointers, newPointers] = [pointers(oldId), pointers(groupId)];
    for (const [i, oldPointer] of oldPointers.entries()) {
      if (!existsSync(oldPointer)) continue;
      const target = (await readFile(oldPointer, 'utf8')).trim();
      await replaceFile(newPointers[i] as string, target.startsWith(`${oldDir}/`) ? `${newDir}${target.slice(oldDir.length)}` : target);
    }
    for (const oldPointer of oldPointers) await rm(oldPointer, { force: true });
    return oldId;
  }
  return undefined;
}
