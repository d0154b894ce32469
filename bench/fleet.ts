import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { DeploymentConfig } from '../workflows/contracts/deployment-config.js';
import { getDeploymentSummary, startDeployment } from '../workers/deployments.js';
import { stopProcess } from '../workers/processes.js';
import { REPO_ROOT } from '../workers/tools.js';
import { processCpuSeconds } from './measure.js';

export interface FleetRun {
  hosts: number;
  config: string;
  seconds: number;
  msPerHost: number;
  /** CPU seconds of the controller worker's process (`gantry worker`: workflows and controller activities). */
  controllerCpuSeconds: number;
  /** Events in the largest run of the deployment workflow (it continues as new past 6,000). */
  largestRunEvents: number;
  runs: number;
  /** Hosts that did not succeed: a run with any is invalid, its time not a figure. */
  failedHosts: number;
  status: string;
}

export interface FleetCase {
  hosts: number;
  /** A predefined name, or an inline custom configuration. */
  config: string | DeploymentConfig;
}

/** Starts the bench fleet process and resolves once all its workers poll. */
async function startFleetHosts(options: { address: string; namespace: string; prefix: string; count: number }) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'fleet-hosts.ts'), options.address, options.namespace, options.prefix, String(options.count)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await Promise.race([
    (async () => {
      while (!output.includes('ready')) await once(child.stdout, 'data');
    })(),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the bench fleet exited (code ${code}) before its ${options.count} workers were ready`);
    }),
  ]);
  return child;
}

async function largestRun(client: Client, workflowId: string): Promise<{ events: number; runs: number }> {
  let events = 0;
  let runs = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    events = Math.max(events, history.events?.length ?? 0);
    runs += 1;
  }
  return { events, runs };
}

/**
 * Figure 2: deployments to fleets of cheap in-process host workers (one Temporal worker per host task
 * queue in a separate process, no-op events), driven by the real controller in this process.
 */
export async function measureFleet(client: Client, options: { address: string; namespace: string; taskQueue: string; controllerPid: number; cases: FleetCase[]; fleetSize?: number }): Promise<FleetRun[]> {
  const size = options.fleetSize ?? Math.max(...options.cases.map((c) => c.hosts));
  const prefix = 'fleet-host-';
  const fleet = await startFleetHosts({ address: options.address, namespace: options.namespace, prefix, count: size });
  const results: FleetRun[] = [];
  try {
    for (const fleetCase of options.cases) {
      const config = typeof fleetCase.config === 'string' ? { deploymentConfigName: fleetCase.config } : { deploymentConfig: fleetCase.config };
      const cpuBefore = processCpuSeconds(options.controllerPid);
      const started = performance.now();
      const id = await startDeployment(
        client,
        {
          applicationName: 'bench',
          deploymentGroupName: `fleet-${fleetCase.hosts}`,
          revision: { revisionType: 'Local', local: { path: '/srv/gantry-bench-fleet' } },
          targetHosts: Array.from({ length: fleetCase.hosts }, (_, i) => `${prefix}${i}`),
          ...config,
        },
        { taskQueue: options.taskQueue },
      );
      await client.workflow.getHandle(id).result().catch(() => undefined); // a failed deployment is reported below
      const seconds = (performance.now() - started) / 1000;
      const cpu = processCpuSeconds(options.controllerPid) - cpuBefore;
      const { events, runs } = await largestRun(client, id);
      const summary = await getDeploymentSummary(client, id);
      results.push({
        hosts: fleetCase.hosts,
        config: typeof fleetCase.config === 'string' ? fleetCase.config : fleetCase.config.deploymentConfigName,
        seconds,
        msPerHost: (seconds * 1000) / fleetCase.hosts,
        controllerCpuSeconds: cpu,
        largestRunEvents: events,
        runs,
        failedHosts: fleetCase.hosts - summary.deploymentOverview.Succeeded,
        status: summary.status,
      });
    }
  } finally {
    await stopProcess(fleet);
  }
  return results;
}
