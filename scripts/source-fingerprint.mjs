// The fingerprint of what `npm run build` compiles: every source file of the four code directories
// and the lockfile. bin/gantry.mjs runs dist/ only while dist/build-stamp.json holds the fingerprint of
// the sources beside it, so an edit after a build never runs stale output. Node built-ins only.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SOURCE_DIRS = ['workflows', 'activities', 'workers', 'agent'];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|json)$/.test(entry.name)) yield path;
  }
}

/** sha256 over the sources' paths and contents, or undefined where the sources are absent (an installed build). */
export function sourceFingerprint(root) {
  if (!SOURCE_DIRS.every((dir) => existsSync(join(root, dir)))) return undefined;
  const hash = createHash('sha256');
  const paths = SOURCE_DIRS.flatMap((dir) => [...files(join(root, dir))]).sort();
  for (const path of [...paths, join(root, 'package-lock.json')]) {
    if (!existsSync(path)) continue;
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}
