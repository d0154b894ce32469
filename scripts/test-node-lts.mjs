#!/usr/bin/env node
// `npm run test:node-lts`: the unit and workflow suites on the newest Node.js LTS, which the
// bootstrap fetched (.gantry/tools.json `nodeLts`), whatever Node runs npm. .ci/run runs it after `npm test`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { nodeLts } = JSON.parse(readFileSync(join(ROOT, '.gantry', 'tools.json'), 'utf8'));
if (!nodeLts?.binary) {
  console.error(`test:node-lts: no Node.js LTS binary (${nodeLts?.missing ?? 'run npm run bootstrap'})`);
  process.exit(1);
}
const version = spawnSync(nodeLts.binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`test:node-lts: the unit and workflow suites on Node.js ${version}`);
// The scale test has its own pass in npm test; it measures the workflows, not the runtime.
const args = [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/unit', 'test/workflow', '--exclude', 'test/workflow/scale.test.ts', ...process.argv.slice(2)];
const result = spawnSync(nodeLts.binary, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PATH: `${dirname(nodeLts.binary)}:${process.env.PATH}` } });
process.exit(result.status ?? 1);
