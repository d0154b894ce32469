import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { connectClient, connectWorker } from '../workers/connection.js';
import { createControllerWorker } from '../workers/controller.js';
import { startLocalStack } from '../workers/local-stack.js';
import { installRuntime } from '../workers/runtime.js';
import { REPO_ROOT } from '../workers/tools.js';
import { measureOverhead } from './overhead.js';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  detail: string;
}

/**
 * `npm run bench`: starts the embedded stack and measures the figures of BENCHMARKS.md, printing a
 * table and writing bench/results.json and BENCHMARKS.md. Figures, not pass/fail.
 */
async function main(): Promise<void> {
  installRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-'));
  const stack = await startLocalStack({ dataDir: join(dir, 'stack'), uiPort: false, moto: false });
  const { client, connection } = await connectClient({ address: stack.temporalAddress, namespace: stack.namespace });
  const { connection: workerConnection } = await connectWorker({ address: stack.temporalAddress, namespace: stack.namespace });
  const taskQueue = 'gantry-bench';
  const controller = await createControllerWorker({ connection: workerConnection, namespace: stack.namespace, taskQueue });
  const running = controller.run();
  const figures: Figure[] = [];
  try {
    const overhead = await measureOverhead(client, { address: stack.temporalAddress, namespace: stack.namespace, taskQueue, dir: join(dir, 'overhead'), runs: Number(process.env.GANTRY_BENCH_RUNS ?? 15) });
    figures.push({
      name: 'Overhead per lifecycle event',
      value: overhead.overheadPerEventMedianMs,
      unit: 'ms',
      target: '≤ 10 ms median',
      detail: `one-host deployment ${overhead.deploymentMedianMs.toFixed(0)} ms vs the same scripts run directly ${overhead.directMedianMs.toFixed(1)} ms (median of ${overhead.runs}), over 7 events`,
    });
  } finally {
    controller.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const date = new Date().toISOString();
  console.log(`Gantry benchmarks — ${machine}, commit ${commit}`);
  for (const f of figures) console.log(`  ${f.name.padEnd(32)} ${f.value.toFixed(1).padStart(8)} ${f.unit.padEnd(3)} target ${f.target}   (${f.detail})`);
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, date, commit, figures }, null, 2)}\n`);
  writeFileSync(
    join(REPO_ROOT, 'BENCHMARKS.md'),
    [
      '# Gantry benchmarks',
      '',
      `Latest \`npm run bench\`: ${date}, commit ${commit}, on ${machine}.`,
      '',
      '| figure | measured | target | how |',
      '|---|---|---|---|',
      ...figures.map((f) => `| ${f.name} | ${f.value.toFixed(1)} ${f.unit} | ${f.target} | ${f.detail} |`),
      '',
      'Figures still to come (issue 6): fleet wall time and controller CPU at 100 and 1,000 hosts, the revision pipeline against `tar -xzf`, agent footprint, dead-agent detection and stop-to-Stopped.',
      '',
    ].join('\n'),
  );
}

await main();
