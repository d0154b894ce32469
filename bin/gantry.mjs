#!/usr/bin/env node
// Entry point of the `gantry` command. It runs the compiled build (dist/, `npm run build`) while that
// build matches the sources beside it, and otherwise the TypeScript sources through tsx's loader, so an
// edit after a build never runs stale output. GANTRY_FROM_SOURCE=1 forces the sources.
import { existsSync, readFileSync } from 'node:fs';
import { sourceFingerprint } from '../scripts/source-fingerprint.mjs';

const root = new URL('..', import.meta.url).pathname;

function compiledBuild() {
  if (process.env.GANTRY_FROM_SOURCE === '1') return false;
  const stamp = new URL('../dist/build-stamp.json', import.meta.url);
  if (!existsSync(stamp)) return false;
  const built = JSON.parse(readFileSync(stamp, 'utf8'));
  const current = sourceFingerprint(root);
  if (current !== undefined && current !== built.sourceFingerprint) return false; // no sources at all: an installed build
  globalThis[Symbol.for('gantry.build')] = { mode: 'compiled', builtAt: built.builtAt };
  return true;
}

// An agent's credentials leave its environment before tsx starts its esbuild service (a child that
// would inherit them, where root hooks could read them); agent/environ.ts picks them up from here.
if (process.argv[2] === 'agent') {
  // The sources' copy, or the build's where only the build is installed.
  const source = new URL('../agent/credential-env.json', import.meta.url);
  const names = existsSync(source) ? source : new URL('../dist/agent/credential-env.json', import.meta.url);
  const { pattern } = JSON.parse(readFileSync(names, 'utf8'));
  const credentials = new RegExp(pattern, 'i');
  const stash = {};
  for (const name of Object.keys(process.env)) {
    if (!credentials.test(name)) continue;
    stash[name] = process.env[name];
    delete process.env[name];
  }
  globalThis[Symbol.for('gantry.withdrawnCredentials')] = stash;
}

let main;
if (compiledBuild()) {
  ({ main } = await import('../dist/workers/cli/entry.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../workers/cli/entry.ts'));
}
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err?.name === 'UsageError') {
    console.error(`gantry: ${err.message}`);
    process.exitCode = 2;
  } else if (err?.name === 'ConnectionFailure') {
    console.error(`gantry: ${err.message}`);
    process.exitCode = 1;
  } else {
    console.error(`gantry: ${err?.stack ?? err}`);
    process.exitCode = 1;
  }
}
