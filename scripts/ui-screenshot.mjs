#!/usr/bin/env node
// `npm run screenshot:ui`: runs the Quickstart demo, keeps its stack up, and photographs the demo
// deployment's pages in the Temporal UI with headless Chromium (Debian's `chromium` package), into
// docs/images/. The README shows them. Chromium: /usr/bin/chromium, or GANTRY_CHROMIUM.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.GANTRY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`screenshot:ui needs Chromium at ${chromium}: install Debian's chromium package (apt-get install chromium), or set GANTRY_CHROMIUM`);
  process.exit(1);
}

const demo = spawn(process.execPath, [join(root, 'bin', 'gantry.mjs'), 'demo', '--keep-running'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
const ready = new Promise((resolve, reject) => {
  demo.stdout.on('data', (chunk) => {
    output += chunk.toString();
    const address = /Stack kept running \(Temporal ([^)]+)\)/.exec(output)?.[1];
    const ui = /Temporal UI: +(\S+)/.exec(output)?.[1];
    const deploymentId = /Deployment ID: (d-\w+)/.exec(output)?.[1];
    if (address && ui && deploymentId) resolve({ address, ui, deploymentId });
  });
  demo.on('exit', (code) => reject(new Error(`the demo exited (${code}) before its stack was up:\n${output}`)));
});

try {
  const { address, ui, deploymentId } = await ready;
  const connection = await Connection.connect({ address });
  const { runId } = await new Client({ connection }).workflow.getHandle(deploymentId).describe();
  await connection.close();
  const out = join(root, 'docs', 'images');
  mkdirSync(out, { recursive: true });
  for (const [tab, file, height] of [['user-metadata', 'ui-deployment-metadata.png', 900], ['history', 'ui-deployment-history.png', 1100]]) {
    const profile = mkdtempSync(join(tmpdir(), 'gantry-chromium-'));
    // Flags for a closed network (no background connections) and a root user (no sandbox).
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--hide-scrollbars', `--window-size=1440,${height}`, '--virtual-time-budget=15000', `--screenshot=${join(out, file)}`, `${ui}/${runId}/${tab}`];
    const shot = spawnSync(chromium, args, { encoding: 'utf8', timeout: 120_000 });
    rmSync(profile, { recursive: true, force: true });
    if (shot.status !== 0 || !existsSync(join(out, file))) throw new Error(`chromium failed (${shot.status}): ${shot.stderr}`);
    console.log(`wrote docs/images/${file}`);
  }
} finally {
  demo.kill('SIGINT');
  await new Promise((resolve) => (demo.exitCode === null ? demo.on('exit', resolve) : resolve()));
}
