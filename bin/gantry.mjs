#!/usr/bin/env node
// Entry point of the `gantry` command. Gantry's sources are TypeScript, run through tsx's loader.
import { readFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// An agent's credentials leave its environment before tsx starts its esbuild service (a child that
// would inherit them, where root hooks could read them); agent/environ.ts picks them up from here.
if (process.argv[2] === 'agent') {
  const { pattern } = JSON.parse(readFileSync(new URL('../agent/credential-env.json', import.meta.url), 'utf8'));
  const credentials = new RegExp(pattern, 'i');
  const stash = {};
  for (const name of Object.keys(process.env)) {
    if (!credentials.test(name)) continue;
    stash[name] = process.env[name];
    delete process.env[name];
  }
  globalThis[Symbol.for('gantry.withdrawnCredentials')] = stash;
}

register();
const { main } = await import('../workers/cli/main.ts');
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
