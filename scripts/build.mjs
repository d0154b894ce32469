#!/usr/bin/env node
// `npm run build`: compiles the sources to dist/ (tsc) and prebuilds the workflow bundle, plain and
// with the payload codec's failure converter, so production processes start without tsx or webpack.
// dist/build-stamp.json is written last, with the sources' fingerprint: bin/gantry.mjs runs dist/
// only while it matches (scripts/source-fingerprint.mjs), so development never runs stale output.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from './source-fingerprint.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const started = Date.now();
const fingerprint = sourceFingerprint(ROOT);

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build: tsc failed; dist/ is incomplete and will not be used');
  process.exit(1);
}
mkdirSync(DIST, { recursive: true });
writeFileSync(join(DIST, 'package.json'), '{"type":"module"}\n');

const { bundleWorkflowCode } = await import('@temporalio/worker');
const workflowsPath = join(DIST, 'workflows', 'index.js');
const quiet = { logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } };
for (const [file, extra] of [
  ['workflow-bundle.js', {}],
  ['workflow-bundle-encoded-failures.js', { failureConverterPath: join(DIST, 'workers', 'encoded-failures.js') }],
]) {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...extra, ...quiet });
  writeFileSync(join(DIST, file), code);
}
writeFileSync(join(DIST, 'build-stamp.json'), `${JSON.stringify({ sourceFingerprint: fingerprint, builtAt: new Date().toISOString(), node: process.version }, null, 2)}\n`);
console.log(`build: dist/ ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
