import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { connectClient } from '../workers/connection.js';
import { collectOutput, startLocalStack } from '../workers/local-stack.js';
import { spawnTied, stopProcess, waitUntil } from '../workers/processes.js';
import { installRuntime } from '../workers/runtime.js';
import { REPO_ROOT } from '../workers/tools.js';
import { measureDetection } from './detection.js';
import { measureFleet, type FleetCase, type FleetRun } from './fleet.js';
import { median, type Figure } from './measure.js';
import { measureBuild, type ModeResult } from './build.js';
import { compiledCopy } from './compiled-copy.js';
import { measureEngineFloor, measureOverhead } from './overhead.js';
import { measureMemory } from './memory.js';
import { measureRevision } from './revision.js';

/**
 * Knobs for quicker runs while working on one figure. A run with any of them set is partial: it
 * prints its table but leaves BENCHMARKS.md and bench/results.json as they are.
 */
const PARTIAL = Object.keys(process.env).some((name) => name.startsWith('GANTRY_BENCH_'));
/** A whole number of at least 1 from the environment, or a clear error naming the variable. */
function knob(name: string, fallback: string): number[] {
  const text = process.env[name] ?? fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`${name} must be a whole number of at least 1 (or a comma-separated list of them); got ${JSON.stringify(text)}`);
  return values;
}
const SETTINGS = {
  overheadRuns: knob('GANTRY_BENCH_RUNS', '15')[0] as number,
  fleetSizes: knob('GANTRY_BENCH_FLEET', '100,1000,5000'),
  revisionMiB: knob('GANTRY_BENCH_REVISION_MIB', '200')[0] as number,
  idleSeconds: knob('GANTRY_BENCH_IDLE_SECONDS', '30')[0] as number,
  memoryDeployments: knob('GANTRY_BENCH_DEPLOYMENTS', '1000')[0] as number,
  only: process.env.GANTRY_BENCH_ONLY?.split(',').map((name) => name.trim()),
};

/** CPU per one-host deployment, all processes, when issue 19 was filed: the target is half of it. */
const CPU_BASELINE_SECONDS = 0.4;

interface Context {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  dir: string;
  motoEnv: NodeJS.ProcessEnv;
  /** The Temporal dev server's process. */
  serverPid?: number;
  /** The controller worker's process (`gantry worker`, compiled). */
  controllerPid: number;
  /** The compiled copy of the project (built once at the start), as production runs it. */
  compiled: ReturnType<typeof compiledCopy>;
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
/** A figure's value with its unit, or `invalid` for a run that does not count (a failed host). */
const shown = (f: Figure): string => (Number.isNaN(f.value) ? 'invalid' : `${fixed(f.value)} ${f.unit}`);

/** Each figure: its measurement, and the rows it adds to the table. */
const FIGURES: Record<string, (ctx: Context) => Promise<Figure[]>> = {
  async overhead(ctx) {
    const floor = await measureEngineFloor(ctx.client, { address: ctx.address, namespace: ctx.namespace, runs: SETTINGS.overheadRuns });
    const o = await measureOverhead(ctx.client, { ...ctx, dir: join(ctx.dir, 'overhead'), runs: SETTINGS.overheadRuns, compiledRoot: ctx.compiled.root });
    const perEventTarget = 1.5 * floor.perActivityMedianMs;
    const ratio = o.deploymentMedianMs / o.localMedianMs;
    const cpu = o.cpu.server + o.cpu.controller + o.cpu.agent + o.cpu.client;
    const p = o.phases;
    return [
      {
        name: 'Overhead per lifecycle event',
        value: o.overheadPerEventMedianMs,
        unit: 'ms',
        target: `≤ 1.5 × Temporal's floor (${fixed(perEventTarget)} ms)`,
        met: o.overheadPerEventMedianMs <= perEventTarget,
        detail:
          `one-host deployment of a ${fixed(o.archiveBytes / 1024)} KiB tgz whose hooks run \`true\`: ${fixed(o.deploymentMedianMs, 0)} ms, less the same scripts run directly ${fixed(o.directMedianMs)} ms ` +
          `(medians of ${o.runs}), over ${o.events} events`,
      },
      {
        name: 'Temporal floor per activity',
        value: floor.perActivityMedianMs,
        unit: 'ms',
        target: '(reference)',
        met: true,
        detail: `the same dev server and machine: a workflow of ${floor.activities} no-op activities on another worker, less an empty workflow (median of ${floor.runs}); Gantry's events cannot cost less`,
      },
      {
        name: 'Deployment against local agent work',
        value: ratio,
        unit: '×',
        target: '≤ 1.5 ×',
        met: ratio <= 1.5,
        detail:
          `the same deployment ${fixed(o.deploymentMedianMs, 0)} ms against the agent's own code doing its work in one process with no control plane ` +
          `(verify, extract, install, the ${o.events} events with their journal and logs) ${fixed(o.localMedianMs)} ms (medians of ${o.runs})`,
      },
      {
        name: 'CPU per one-host deployment',
        value: cpu,
        unit: 's',
        target: `≤ ${fixed(CPU_BASELINE_SECONDS / 2, 2)} s (half of ${CPU_BASELINE_SECONDS} s)`,
        met: cpu <= CPU_BASELINE_SECONDS / 2,
        detail: `all processes, mean of ${o.runs}: Temporal server ${fixed(o.cpu.server, 3)} s, controller worker ${fixed(o.cpu.controller, 3)} s, agent and its scripts ${fixed(o.cpu.agent, 3)} s, the client starting it and waiting ${fixed(o.cpu.client, 3)} s`,
      },
      {
        name: 'Time between two events',
        value: p.betweenEventsMs,
        unit: 'ms',
        target: '(reference)',
        met: true,
        detail:
          `from the host's history (medians over its ${p.events} events, ${p.workflowTasks} workflow tasks): the next workflow task's dispatch ${fixed(p.workflowTaskDispatchMs)} ms and run on the controller ${fixed(p.workflowTaskMs)} ms; ` +
          `each activity's dispatch to the agent ${fixed(p.activityDispatchMs)} ms and the agent's work until its result is recorded ${fixed(p.activityMs)} ms`,
      },
    ];
  },
  async fleet(ctx) {
    const cases: FleetCase[] = [
      ...SETTINGS.fleetSizes.map((hosts) => ({ hosts, config: 'CodeDeployDefault.AllAtOnce' })),
      // One host at a time: the per-host round trips with no parallelism at all (at 100 hosts or fewer: it takes a while).
      ...(Math.min(...SETTINGS.fleetSizes) <= 100 ? [{ hosts: Math.min(...SETTINGS.fleetSizes), config: 'CodeDeployDefault.OneAtATime' }] : []),
    ];
    const runs = await measureFleet(ctx.client, { ...ctx, cases });
    const valid = (r: FleetRun): boolean => r.failedHosts === 0 && r.status === 'Succeeded';
    const allAtOnce = runs.filter((r) => r.config.endsWith('AllAtOnce') && valid(r));
    const smallest = allAtOnce[0];
    const largest = allAtOnce[allAtOnce.length - 1];
    const flatness = smallest && largest && largest !== smallest ? largest.msPerHost / smallest.msPerHost : NaN;
    return [
      ...runs.map((r): Figure => {
        const name = `Fleet ${r.hosts} hosts, ${r.config.replace('CodeDeployDefault.', '')}`;
        const headline = r.hosts === 1000 && r.config.endsWith('AllAtOnce');
        const target = headline ? '≤ 60 s on two cores, no host failing' : '(reference)';
        const how = `controller CPU ${fixed(r.controllerCpuSeconds)} s; largest workflow run ${r.largestRunEvents} events (${r.runs} run${r.runs > 1 ? 's' : ''}); hosts are cheap in-process host workers (one Temporal worker per host queue, no-op events) in a separate process`;
        if (!valid(r)) return { name, value: NaN, unit: 's', target, met: false, detail: `**invalid run**: ${r.failedHosts} of ${r.hosts} hosts did not succeed (deployment ${r.status}) after ${fixed(r.seconds)} s; ${how}` };
        return { name, value: r.seconds, unit: 's', target, met: !headline || r.seconds <= 60, detail: `${fixed(r.msPerHost)} ms per host; ${how}` };
      }),
      {
        name: 'Fleet cost per host, largest against smallest',
        value: flatness,
        unit: '×',
        target: '≤ 1.2 × (flat)',
        met: flatness <= 1.2,
        detail: smallest && largest ? `AllAtOnce: ${allAtOnce.map((r) => `${r.hosts} hosts ${fixed(r.msPerHost)} ms`).join(', ')} per host (valid runs only)` : 'no two valid AllAtOnce runs to compare',
      },
    ];
  },
  async revision(ctx) {
    const r = await measureRevision(ctx.client, { ...ctx, dir: join(ctx.dir, 'revision'), mib: SETTINGS.revisionMiB, agentBin: ctx.compiled.bin });
    const archive = `${fixed(r.archiveMiB, 0)} MiB tgz, ${r.files} files`;
    return [
      ...r.runs.map((run) => ({
        name: `Revision pipeline, ${run.source}`,
        value: run.ratioToTar,
        unit: '× tar',
        target: '≤ 1.3 × tar -xzf',
        met: run.ratioToTar <= 1.3,
        detail:
          `${archive}: download, verify, extract and install ${fixed(run.seconds, 2)} s (DownloadBundle ${fixed(run.downloadBundleSeconds, 2)} s, Install ${fixed(run.installSeconds, 2)} s) ` +
          `against \`tar -xzf\` ${fixed(r.tarSeconds, 2)} s, and \`sha256sum && tar -xzf && cp -a\` ${fixed(r.shellSeconds, 2)} s${run.source === 'S3' ? `; a bare GetObject of it from moto takes ${fixed(r.s3GetSeconds, 2)} s` : ''}`,
      })),
      { name: 'Agent peak RSS', value: r.peakRssMiB, unit: 'MiB', target: '(reference)', met: true, detail: `highest resident set of the agent process across both installs of the ${archive}` },
    ];
  },
  async memory(ctx) {
    const m = await measureMemory(ctx.client, { ...ctx, dir: join(ctx.dir, 'memory'), deployments: SETTINGS.memoryDeployments, idleSeconds: SETTINGS.idleSeconds, agentBin: ctx.compiled.bin });
    const growth = (m.idleAfterAllMiB / m.idleAfterWarmUpMiB - 1) * 100;
    return [
      { name: 'Agent idle RSS', value: m.idleFreshMiB, unit: 'MiB', target: '≤ 80 MiB', met: m.idleFreshMiB <= 80, detail: `the compiled agent's process tree, as production runs it: median over ${m.idleSeconds} s idle after start-up` },
      {
        name: `Agent memory across ${m.deployments} deployments`,
        value: growth,
        unit: '%',
        target: '≤ 5 % growth (flat)',
        met: growth <= 5,
        detail:
          `idle RSS after ${m.warmUpDeployments} deployments ${fixed(m.idleAfterWarmUpMiB)} MiB, after all ${m.deployments} ${fixed(m.idleAfterAllMiB)} MiB (small tgz, five hooks each); ` +
          `right after deployment ${m.checkpoints.map(([done, mib]) => `${done}: ${fixed(mib, 0)}`).join(', ')} MiB`,
      },
      { name: 'Agent idle CPU', value: m.idleCpuPercent, unit: '%', target: '≈ 0', met: m.idleCpuPercent < 1, detail: `of one core, over the same ${m.idleSeconds} s` },
    ];
  },
  async build(ctx) {
    const b = await measureBuild({ ...ctx, dir: join(ctx.dir, 'build'), runs: 3, copy: ctx.compiled });
    const start = (m: ModeResult): number => median(m.workerStartSeconds);
    const shown = (m: ModeResult): string => m.workerStartSeconds.map((s) => fixed(s, 2)).join(', ');
    return [
      { name: 'Controller worker start, from source', value: start(b.source), unit: 's', target: '(reference)', met: true, detail: `\`gantry worker\` spawned until its worker is created, through tsx, bundling the workflows with webpack (runs: ${shown(b.source)} s)` },
      { name: 'Controller worker start, compiled', value: start(b.compiled), unit: 's', target: '< from source', met: start(b.compiled) < start(b.source), detail: `the same from \`npm run build\`'s output (prebuilt bundle; the build took ${fixed(b.buildSeconds, 0)} s) (runs: ${shown(b.compiled)} s)` },
      { name: 'Agent idle RSS, from source', value: b.source.agentIdleRssMiB, unit: 'MiB', target: '(reference)', met: true, detail: "median over 10 s idle of the agent's process tree (with tsx's esbuild service), as production runs it (MALLOC_ARENA_MAX=2, small young generation)" },
      { name: 'Agent idle RSS, compiled', value: b.compiled.agentIdleRssMiB, unit: 'MiB', target: '< from source', met: b.compiled.agentIdleRssMiB < b.source.agentIdleRssMiB, detail: 'the same agent from the compiled build (no tsx, no esbuild child)' },
      { name: 'Agent peak RSS, from source', value: b.source.agentPeakRssMiB, unit: 'MiB', target: '(reference)', met: true, detail: "highest resident set of the agent's process tree, after one small deployment" },
      { name: 'Agent peak RSS, compiled', value: b.compiled.agentPeakRssMiB, unit: 'MiB', target: '< from source', met: b.compiled.agentPeakRssMiB < b.source.agentPeakRssMiB, detail: 'the same from the compiled build' },
    ];
  },
  async detection(ctx) {
    const d = await measureDetection(ctx.client, { ...ctx, dir: join(ctx.dir, 'detection') });
    return [
      {
        name: 'Dead agent detected',
        value: d.deadAgentSeconds,
        unit: 's',
        target: '≤ 30 s',
        met: d.deadAgentSeconds <= 30,
        detail: `SIGKILL of a real agent mid-hook until its host is Failed; the default heartbeat timeout is ${d.heartbeatTimeoutSeconds} s`,
      },
      { name: 'Stop to Stopped', value: d.stopToStoppedSeconds, unit: 's', target: '≤ 2 s', met: d.stopToStoppedSeconds <= 2, detail: 'the `stop` signal while a hook runs until the deployment is Stopped, the hook killed' },
    ];
  },
};

function describeMachine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

function writeReport(figures: Figure[], seconds: number): void {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const machine = describeMachine();
  const date = new Date().toISOString();
  console.log(`\nGantry benchmarks — ${machine}, commit ${commit}, ${fixed(seconds, 0)} s`);
  for (const f of figures) {
    console.log(`  ${f.met ? ' ' : '✗'} ${f.name.padEnd(38)} ${shown(f).padStart(14)} target ${f.target}`);
    console.log(`      ${f.detail}`);
  }
  if (PARTIAL) {
    console.log('(a partial run, with GANTRY_BENCH_* set: BENCHMARKS.md and bench/results.json are left as they were)');
    return;
  }
  mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify({ machine, date, commit, seconds, figures }, null, 2)}\n`);
  writeFileSync(
    join(REPO_ROOT, 'BENCHMARKS.md'),
    [
      '# Gantry benchmarks',
      '',
      `Written by \`npm run bench\` (${fixed(seconds, 0)} s): ${date}, commit ${commit}, on ${machine}.`,
      'Each row is measured side by side with its baseline in the same run. What the figures mean, and',
      'why the missed targets cost what they do: [docs/benchmarks.md](docs/benchmarks.md).',
      '',
      '| figure | measured | target | met | how |',
      '|---|---|---|---|---|',
      ...figures.map((f) => `| ${f.name} | ${shown(f)} | ${f.target} | ${f.met ? 'yes' : '**no**'} | ${f.detail} |`),
      '',
    ].join('\n'),
  );
}

/** `gantry worker` of the compiled build, resolved once its worker polls; its output is kept for errors. */
async function startControllerProcess(bin: string, options: { address: string; namespace: string; taskQueue: string; env: NodeJS.ProcessEnv }): Promise<ChildProcess> {
  const child = spawnTied(process.execPath, [bin, 'worker', '--address', options.address, '--namespace', options.namespace, '--task-queue', options.taskQueue, '--log-format', 'json'], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child, false);
  await waitUntil('the controller worker to start', async () => output().includes('gantry controller worker') || child.exitCode !== null, 120_000);
  if (child.exitCode !== null) throw new Error(`gantry worker exited (${child.exitCode}):\n${output()}`);
  return child;
}

/**
 * `npm run bench`: starts the embedded stack (Temporal dev server and moto) and a compiled controller
 * worker process, measures each figure, prints a table, and writes bench/results.json and BENCHMARKS.md.
 * Figures, not pass/fail.
 */
async function main(): Promise<void> {
  const unknown = SETTINGS.only?.filter((name) => !(name in FIGURES)) ?? [];
  if (unknown.length > 0) throw new Error(`GANTRY_BENCH_ONLY names no figure ${unknown.join(', ')}: choose from ${Object.keys(FIGURES).join(', ')}`);
  installRuntime();
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-'));
  const stack = await startLocalStack({ dataDir: join(dir, 'stack'), uiPort: false, moto: true });
  const motoEnv = { AWS_ENDPOINT_URL: stack.motoEndpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
  Object.assign(process.env, motoEnv); // the bench's own S3 calls (and the controller's, which inherits them) go to moto
  const { client, connection } = await connectClient({ address: stack.temporalAddress, namespace: stack.namespace });
  const taskQueue = 'gantry-bench';
  const figures: Figure[] = [];
  let controller: ChildProcess | undefined;
  try {
    // Compiled, as production runs it: the controller worker and every agent (the build figure compares it with the sources).
    const copy = compiledCopy(join(dir, 'compiled'));
    controller = await startControllerProcess(copy.bin, { address: stack.temporalAddress, namespace: stack.namespace, taskQueue, env: motoEnv });
    const ctx: Context = {
      client, address: stack.temporalAddress, namespace: stack.namespace, taskQueue, dir, motoEnv,
      serverPid: stack.temporalPid, controllerPid: controller.pid as number, compiled: copy,
    };
    for (const [name, measure] of Object.entries(FIGURES)) {
      if (SETTINGS.only && !SETTINGS.only.includes(name)) continue;
      const started = performance.now();
      process.stdout.write(`${name}… `);
      const rows = await measure(ctx);
      console.log(`${fixed((performance.now() - started) / 1000, 0)} s`);
      figures.push(...rows);
    }
  } finally {
    if (controller) await stopProcess(controller);
    await connection.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  writeReport(figures, (performance.now() - began) / 1000);
}

await main();
