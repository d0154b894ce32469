import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../workers/tools.js';

/**
 * A copy of the project, built with `npm run build`, whose node_modules has every dependency but tsx:
 * what runs there runs compiled or not at all. Used by the bench (compiled against source) and by the
 * build's end-to-end test. Returns the copy's root and how long the build took.
 */
export function compiledCopy(dir: string): { root: string; bin: string; buildSeconds: number } {
  const root = join(dir, 'gantry');
  for (const entry of ['bin', 'scripts', 'packaging', 'workflows', 'activities', 'workers', 'agent', 'examples', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', '.gantry/tools.json']) {
    if (existsSync(join(REPO_ROOT, entry))) cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true });
  }
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry !== 'tsx' && entry !== '.bin') symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  const started = performance.now();
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed in ${root}:\n${built.stdout}\n${built.stderr}`);
  return { root, bin: join(root, 'bin', 'gantry.mjs'), buildSeconds: (performance.now() - started) / 1000 };
}
