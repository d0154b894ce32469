/**
 * Run as a separate process (under another user): extracts a revision archive and installs its files
 * as the agent does, then prints each installed file's owner as JSON. Usage:
 *   node --import tsx test/support/install-as-agent.ts <archive> <bundleType> <workDir>
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAppSpec } from '../../agent/appspec.js';
import { extractArchive } from '../../agent/archive.js';
import { installFiles } from '../../agent/installer.js';
import type { ArchiveBundleType } from '../../workflows/contracts/revision.js';

const [archive, bundleType, work] = process.argv.slice(2) as [string, ArchiveBundleType, string];
const root = join(work, 'deployment-archive');
await extractArchive({ file: archive, bundleType, root });
const spec = parseAppSpec(readFileSync(join(root, 'appspec.yml'), 'utf8'));
await installFiles({ spec, archiveDir: root, cleanupFile: join(work, 'cleanup'), behavior: 'OVERWRITE' });
const owners: Record<string, [number, number]> = {};
for (const file of spec.files) {
  for (const name of ['owned.txt', 'link']) {
    const info = lstatSync(join(file.destination, name));
    owners[name] = [info.uid, info.gid];
  }
}
process.stdout.write(JSON.stringify({ uid: process.getuid?.(), owners }));
