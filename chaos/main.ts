/**
 * `npm run chaos`: deployments on the Temporal server on PostgreSQL while the controller worker, an
 * agent or the Temporal server is SIGKILLed at each lifecycle event in turn and started again. Each
 * deployment's end is checked against what it should be; hooks that ran again after completing and
 * hosts reported Succeeded with files of two revisions are counted (both must be 0). The figures go to
 * RELIABILITY.md, as the bench's go to BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLayerPath } from '../agent/simulated-host.js';
import { GANTRY_BIN, startAgentProcess, type AgentProcess } from '../workers/agent-process.js';
import { startCluster, type ClusterStack } from '../workers/cluster.js';
import { connectClient } from '../workers/connection.js';
import { getDeploymentSummary, startDeployment } from '../workers/deployments.js';
import { stopProcess, waitUntil } from '../workers/processes.js';
import { REPO_ROOT } from '../workers/tools.js';
import type { DeploymentStatus } from '../workflows/contracts/deployment.js';

const FAULTS = ['controller', 'agent', 'server'] as const;
type Fault = (typeof FAULTS)[number];
/** The events a host runs on its first deployment of a group, scripts or not. */
const EVENTS = ['DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;
const HOOKED = new Set<string>(['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
const ROUNDS = Number(process.env.GANTRY_CHAOS_ROUNDS ?? '2');

/**
 * What each fault should end in. A controller or server crash loses nothing. An agent killed in the
 * middle of an event fails that event when it starts again (as the CodeDeploy agent does), and with
 * one host of two failed, OneAtATime's minimum of one healthy host is not met on two hosts.
 */
const EXPECTED: Record<Fault, DeploymentStatus> = { controller: 'Succeeded', server: 'Succeeded', agent: 'Failed' };

interface Run {
  fault: Fault;
  event: string;
  expected: DeploymentStatus;
  status?: string;
  /** The fault landed while the event ran (for events without scripts it may land just after). */
  landedMidEvent: boolean;
  recoverySeconds?: number;
  hooksRunTwice: number;
  mixedHosts: number;
}

/** A revision whose hooks log their start and end, and hold at the event named in `hold` until it is removed. */
function writeRevision(dir: string, app: string, version: string, hold: string): void {
  const hooks = [...HOOKED].map((e) => `  ${e}:\n    - location: hook.sh\n      timeout: 120\n`).join('');
  mkdirSync(join(dir, 'app'), { recursive: true });
  writeFileSync(join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/${app}\nhooks:\n${hooks}`);
  for (const file of ['a.txt', 'b.txt']) writeFileSync(join(dir, 'app', file), version);
  writeFileSync(
    join(dir, 'hook.sh'),
    `#!/bin/sh\nlog=/srv/${app}-state/hooks.log\nmkdir -p /srv/${app}-state\necho "$DEPLOYMENT_ID $LIFECYCLE_EVENT start" >> $log\nwhile [ "$(cat ${hold} 2>/dev/null)" = "$LIFECYCLE_EVENT" ]; do sleep 0.1; done\necho "$DEPLOYMENT_ID $LIFECYCLE_EVENT end" >> $log\n`,
    { mode: 0o755 },
  );
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'gantry-chaos-'));
  const clusterDir = mkdtempSync(join(tmpdir(), 'gantry-chaos-cluster-'));
  const cluster: ClusterStack = await startCluster({ dataDir: clusterDir, fsync: true });
  const { temporalAddress: address, namespace } = cluster;
  const queue = `chaos-${process.pid}`;
  const app = `gantry-chaos-${process.pid}`;
  const hold = join(base, 'hold');
  const hosts = ['chaos-h1', 'chaos-h2'];
  const startWorker = (): ChildProcess => spawn(process.execPath, [GANTRY_BIN, 'worker', '--address', address, '--namespace', namespace, '--task-queue', queue], { stdio: 'ignore' });
  const startAgent = (hostId: string): AgentProcess =>
    startAgentProcess({ hostId, rootDir: join(base, 'hosts', hostId), address, namespace, simulated: true, controllerTaskQueue: queue, output: (chunk) => process.env.GANTRY_CHAOS_VERBOSE && process.stderr.write(`[${hostId}] ${chunk}`) });
  let worker = startWorker();
  const agents = new Map(hosts.map((h) => [h, startAgent(h)]));
  const { client, connection } = await connectClient({ address, namespace });
  const runs: Run[] = [];
  const kill = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  try {
    let n = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const fault of FAULTS.filter((f) => !process.env.GANTRY_CHAOS_FAULTS || process.env.GANTRY_CHAOS_FAULTS.split(',').includes(f))) {
        for (const event of EVENTS) {
          n += 1;
          const version = `v${n}`;
          const revision = join(base, version);
          writeRevision(revision, app, version, hold);
          if (HOOKED.has(event)) writeFileSync(hold, event);
          const deploymentId = await startDeployment(client, { applicationName: 'chaos', deploymentGroupName: `chaos-${fault}`, revision: { revisionType: 'Local', local: { path: revision } }, targetHosts: hosts, deploymentConfigName: 'OneAtATime', fileExistsBehavior: 'OVERWRITE' }, { taskQueue: queue });
          // The fault point: host 1 at `event`.
          let landedMidEvent = false;
          await waitUntil(`${deploymentId}: ${hosts[0]} at ${event}`, async () => {
            const view = await client.workflow.getHandle(`${deploymentId}/${hosts[0]}`).query<{ lifecycleEvents: { lifecycleEventName: string; status: string }[] }>('status').catch(() => undefined);
            const state = view?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
            landedMidEvent = state === 'InProgress';
            return state !== undefined && state !== 'Pending';
          }, 120_000, 20);
          // A hooked event is held in its script: kill only once the script has started, so the fault lands mid-hook.
          const hookLog = join(hostLayerPath(join(base, 'hosts', hosts[0] as string), '/srv', `${app}-state`), 'hooks.log');
          if (HOOKED.has(event)) {
            const started = async (): Promise<boolean> => existsSync(hookLog) && readFileSync(hookLog, 'utf8').includes(`${deploymentId} ${event} start`);
            const ended = async (): Promise<boolean> => (await client.workflow.getHandle(deploymentId).describe()).status.name !== 'RUNNING';
            await waitUntil(`${hosts[0]}'s ${event} script to start`, async () => (await started()) || (await ended()), 120_000, 20);
            landedMidEvent = await started();
          }
          const faultAt = Date.now();
          if (fault === 'controller') {
            await kill(worker);
            worker = startWorker();
          } else if (fault === 'agent') {
            await (agents.get(hosts[0] as string) as AgentProcess).kill();
            agents.set(hosts[0] as string, startAgent(hosts[0] as string));
          } else {
            await kill(cluster.server());
            await cluster.restartServer();
          }
          rmSync(hold, { force: true });
          await client.workflow.getHandle(deploymentId).result().catch(() => undefined);
          const recoverySeconds = (Date.now() - faultAt) / 1000;
          const summary = await getDeploymentSummary(client, deploymentId);
          // Hooks that ran again after they had completed, and hosts reported Succeeded with two revisions' files.
          let hooksRunTwice = 0;
          let mixedHosts = 0;
          for (const hostId of hosts) {
            const log = join(hostLayerPath(join(base, 'hosts', hostId), '/srv', `${app}-state`), 'hooks.log');
            const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith(deploymentId)) : [];
            for (const e of HOOKED) {
              const ends = lines.filter((l) => l === `${deploymentId} ${e} end`).length;
              const startsAfterEnd = lines.slice(lines.indexOf(`${deploymentId} ${e} end`) + 1).filter((l) => l === `${deploymentId} ${e} start`).length;
              if (ends > 1 || (ends === 1 && startsAfterEnd > 0)) hooksRunTwice += 1;
            }
            const target = summary.targets.find((t) => t.targetId === hostId);
            const files = ['a.txt', 'b.txt'].map((f) => join(hostLayerPath(join(base, 'hosts', hostId), '/srv', app), f));
            const contents = new Set(files.filter(existsSync).map((f) => readFileSync(f, 'utf8')));
            if (target?.status === 'Succeeded' && (contents.size !== 1 || !contents.has(version))) mixedHosts += 1;
          }
          // An agent killed between events (an event without scripts can end before the kill lands) interrupts
          // nothing; one killed during an event fails it after its restart. The host's record says which.
          // Interrupted: failed by the restarted agent from its journal, or (killed before it wrote one) by the heartbeat timeout.
          const interrupted = /after an agent restart|stopped responding/.test(summary.targets[0]?.failedEvent?.diagnostics.message ?? '');
          if (fault === 'agent') landedMidEvent = interrupted;
          const expected: DeploymentStatus = fault === 'agent' && !interrupted ? 'Succeeded' : EXPECTED[fault];
          runs.push({ fault, event, expected, status: summary.status, landedMidEvent, recoverySeconds, hooksRunTwice, mixedHosts });
          const why = summary.status === 'Succeeded' ? '' : `: ${summary.errorInformation?.message ?? ''} ${summary.targets.map((t) => `${t.targetId}=${t.status}${t.failedEvent ? `@${t.failedEvent.lifecycleEventName}: ${t.failedEvent.diagnostics.message}` : ''}`).join('; ')}`;
          process.stderr.write(`${fault} at ${event}: ${summary.status} (expected ${expected}) in ${recoverySeconds.toFixed(1)}s${landedMidEvent ? '' : ' (the event had ended)'}${why}\n`);
          // The next deployment starts from healthy hosts: a failed one is brought back first.
          if (summary.status !== 'Succeeded') {
            const again = await startDeployment(client, { applicationName: 'chaos', deploymentGroupName: `chaos-${fault}`, revision: { revisionType: 'Local', local: { path: revision } }, targetHosts: hosts, deploymentConfigName: 'AllAtOnce', fileExistsBehavior: 'OVERWRITE' }, { taskQueue: queue });
            await client.workflow.getHandle(again).result().catch(() => undefined);
          }
        }
      }
    }
  } finally {
    await connection.close();
    await Promise.all([...agents.values()].map((a) => a.kill()));
    await stopProcess(worker);
    await cluster.stop();
    rmSync(clusterDir, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  }
  writeReport(runs);
  const wrong = runs.filter((r) => r.status !== r.expected).length + runs.reduce((n, r) => n + r.hooksRunTwice + r.mixedHosts, 0);
  process.exitCode = wrong === 0 ? 0 : 1;
}

function writeReport(runs: Run[]): void {
  const sum = (f: (r: Run) => number): number => runs.reduce((n, r) => n + f(r), 0);
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const byFault = FAULTS.map((fault) => {
    const mine = runs.filter((r) => r.fault === fault);
    const times = mine.map((r) => r.recoverySeconds ?? 0);
    const ends = [...new Set(mine.map((r) => r.expected))].join(' or ');
    return `| ${fault} | ${mine.length} | ${mine.filter((r) => r.status === r.expected).length} | ${ends} | ${median(times).toFixed(1)} s | ${Math.max(...times).toFixed(1)} s |`;
  });
  const rows = runs.map((r) => `| ${r.fault} | ${r.event} | ${r.landedMidEvent ? 'during the event' : 'just after it'} | ${r.status} | ${r.expected} | ${(r.recoverySeconds ?? 0).toFixed(1)} s | ${r.hooksRunTwice} | ${r.mixedHosts} |`);
  const text = `# Reliability

Written by \`npm run chaos\` (${new Date().toISOString().slice(0, 10)}). Each run deploys a new revision to two
hosts (OneAtATime, OVERWRITE, so an interrupted Install leaves the next run nothing to trip on) on the
Temporal server on PostgreSQL, and SIGKILLs one process when the first host
reaches a lifecycle event: the controller worker, that host's agent, or the Temporal server. The
process is started again at once. A controller or server crash should lose nothing (Succeeded). An
agent killed during an event fails that event when it starts again, as the CodeDeploy agent does, so
the deployment misses its minimum of one healthy host (Failed). An agent killed after it took an
event but before it journalled it is found by the heartbeat timeout (20 s) instead, with the same
end; one killed between events (an event without scripts can end before the kill lands) interrupts
nothing (Succeeded). Hooked events are held in their script, so those faults land mid-hook. Recovery
is the time from the kill to the deployment's end.

| figure | value | target |
|---|---|---|
| runs | ${runs.length} | |
| faults injected | ${runs.length} (${runs.filter((r) => r.landedMidEvent).length} during an event) | |
| ends as expected | ${runs.filter((r) => r.status === r.expected).length} of ${runs.length} | all |
| hooks run again after completing | ${sum((r) => r.hooksRunTwice)} | 0 |
| hosts reported Succeeded with two revisions' files | ${sum((r) => r.mixedHosts)} | 0 |

| fault | runs | as expected | expected end | median recovery | longest recovery |
|---|---|---|---|---|---|
${byFault.join('\n')}

| fault | at | landed | ended | expected | recovery | hooks run twice | mixed hosts |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeFileSync(join(REPO_ROOT, 'RELIABILITY.md'), text);
  process.stdout.write(text);
}

await main();
