#!/usr/bin/env node
// `npm test`'s static checks, ESLint and the type check, at the same time (each takes about 15 s and
// one core); output is printed per check once it ends, and any failure fails the step.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const checks = [
  ['eslint', [resolve(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']],
  ['tsc', [require.resolve('typescript/bin/tsc'), '--noEmit']],
];
const results = await Promise.all(
  checks.map(
    ([name, args]) =>
      new Promise((done) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (c) => (output += c));
        child.stderr.on('data', (c) => (output += c));
        child.on('close', (code) => {
          if (output.trim()) process.stdout.write(`[${name}]\n${output}${output.endsWith('\n') ? '' : '\n'}`);
          done({ name, code });
        });
      }),
  ),
);
const failed = results.filter((r) => r.code !== 0);
for (const { name, code } of failed) console.error(`${name} failed (exit ${code})`);
process.exit(failed.length ? 1 : 0);
