#!/usr/bin/env node
// Entry point of the `gantry` command. Gantry's sources are TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../workers/cli/main.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err?.name === 'UsageError') {
    console.error(`gantry: ${err.message}`);
    process.exitCode = 2;
  } else {
    console.error(`gantry: ${err?.stack ?? err}`);
    process.exitCode = 1;
  }
}
