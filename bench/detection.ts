import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { isTerminal } from '../workflows/contracts/deployment.js';
import { startAgentProcess, type AgentProcess } from '../workers/agent-process.js';
import { getDeploymentSummary, startDeployment } from '../workers/deployments.js';
import { waitUntil } from '../workers/processes.js';
import { DEFAULT_AGENT_TIMEOUTS } from '../workflows/host-deployment.js';
import { stopSignal } from '../workflows/messages.js';

export interface DetectionResult {
  /** SIGKILL of the agent mid-hook to its host marked Failed. */
  deadAgentSeconds: number;
  heartbeatTimeoutSeconds: number;
  /** The `stop` signal to the deployment Stopped, its running hook killed. */
  stopToStoppedSeconds: number;
}


/**
 * A revision whose ApplicationStart hangs: the hook writes its PID (its own process group, as the
 * agent starts each script in one) to `pidFile`, then sleeps.
 */
function writeHangingRevision(dir: string, destination: string, pidFile: string): void {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  mkdirSync(join(dir, 'app'), { recursive: true });
  writeFileSync(join(dir, 'app', 'index.html'), 'bench');
  const script = join(dir, 'scripts', 'hang.sh');
  writeFileSync(script, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`);
  chmodSync(script, 0o755);
  writeFileSync(join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${destination}\nhooks:\n  ApplicationStart:\n    - location: scripts/hang.sh\n      timeout: 900\n`);
}

/** Kills a hook left behind by a SIGKILLed agent (not a simulated host, so nothing else would). */
function killHook(pidFile: string): void {
  try {
    process.kill(-Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Figure 5: a real agent SIGKILLed while a hook runs, timed until its host is Failed; and a `stop`
 * while a hook runs, timed until the deployment is Stopped.
 */
export async function measureDetection(client: Client, options: { address: string; namespace: string; taskQueue: string; dir: string }): Promise<DetectionResult> {
  const run = async (scenario: string, act: (agent: AgentProcess, deploymentId: string) => Promise<() => Promise<boolean>>): Promise<number> => {
    const dir = join(options.dir, scenario);
    const pidFile = join(dir, 'hook.pid');
    writeHangingRevision(join(dir, 'revision'), join(dir, 'installed'), pidFile);
    const hostId = `bench-${scenario}`;
    const agent = startAgentProcess({ hostId, rootDir: join(dir, 'host'), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue });
    try {
      const id = await startDeployment(
        client,
        { applicationName: 'bench', deploymentGroupName: scenario, revision: { revisionType: 'Local', local: { path: join(dir, 'revision') } }, targetHosts: [hostId] },
        { taskQueue: options.taskQueue },
      );
      await waitUntil(`the hanging hook of ${scenario} to start`, async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 60_000, 10);
      const started = performance.now();
      const done = await act(agent, id);
      await waitUntil(`${scenario} to be detected`, done, 120_000, 20);
      return (performance.now() - started) / 1000;
    } finally {
      await agent.kill();
      killHook(pidFile);
    }
  };

  const deadAgentSeconds = await run('dead-agent', async (agent, id) => {
    await agent.kill();
    return async () => (await getDeploymentSummary(client, id)).targets.some((t) => t.status === 'Failed');
  });
  const stopToStoppedSeconds = await run('stop', async (_agent, id) => {
    await client.workflow.getHandle(id).signal(stopSignal, { autoRollback: false });
    return async () => {
      const { status } = await getDeploymentSummary(client, id);
      if (isTerminal(status) && status !== 'Stopped') throw new Error(`the stopped deployment ${id} ended ${status}, not Stopped`);
      return status === 'Stopped';
    };
  });
  return { deadAgentSeconds, heartbeatTimeoutSeconds: DEFAULT_AGENT_TIMEOUTS.heartbeatSeconds, stopToStoppedSeconds };
}
