import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { startDeployment } from '../workers/deployments.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import { startBenchAgent } from './agents.js';
import { median, processCpuSeconds, processMemoryMiB, processTree } from './measure.js';
import { writeTrueRevision } from './overhead.js';

export interface MemoryResult {
  deployments: number;
  /** Idle resident set of the agent's process tree (MiB, median of samples a second apart). */
  idleFreshMiB: number;
  idleAfterWarmUpMiB: number;
  idleAfterAllMiB: number;
  /** After how many deployments the warm-up sample was taken. */
  warmUpDeployments: number;
  /** Resident set right after each checkpoint's deployment: [deployments done, MiB]. */
  checkpoints: [number, number][];
  idleSeconds: number;
  idleCpuPercent: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Figure 4: one real agent (compiled, as production runs it). Its idle resident set fresh, after a
 * warm-up, and after `deployments` deployments of a small tgz with five hooks, one after another; its
 * idle CPU over `idleSeconds`.
 */
export async function measureMemory(
  client: Client,
  options: { address: string; namespace: string; taskQueue: string; dir: string; deployments: number; idleSeconds: number; agentBin?: string },
): Promise<MemoryResult> {
  const { archive, sha256 } = writeTrueRevision(join(options.dir, 'revision'), join(options.dir, 'installed'));
  const revision: RevisionLocation = { revisionType: 'Local', local: { path: archive, bundleType: 'tgz', sha256 } };
  const hostId = 'bench-memory-host';
  const agent = await startBenchAgent({ hostId, rootDir: join(options.dir, 'host'), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue, bin: options.agentBin });
  try {
    const pid = agent.child.pid as number;
    const rss = (): number => processTree(pid).reduce((sum, p) => sum + processMemoryMiB(p).rss, 0);
    /** Idle: once start-up or the last deployment has settled (5 s), the agent only long-polls. */
    const idle = async (seconds: number): Promise<{ rssMiB: number; cpuPercent: number }> => {
      await sleep(5_000);
      const cpuBefore = processCpuSeconds(pid);
      const began = performance.now();
      const samples: number[] = [];
      for (let i = 0; i < seconds; i += 1) {
        samples.push(rss());
        await sleep(1_000);
      }
      return { rssMiB: median(samples), cpuPercent: ((processCpuSeconds(pid) - cpuBefore) / ((performance.now() - began) / 1000)) * 100 };
    };
    const fresh = await idle(options.idleSeconds);
    const warmUpDeployments = Math.min(10, options.deployments);
    const checkpoints: [number, number][] = [];
    let idleAfterWarmUpMiB = fresh.rssMiB;
    const every = Math.max(1, Math.floor(options.deployments / 10));
    for (let done = 1; done <= options.deployments; done += 1) {
      const id = await startDeployment(client, { applicationName: 'bench', deploymentGroupName: 'memory', revision, targetHosts: [hostId] }, { taskQueue: options.taskQueue });
      await client.workflow.getHandle(id).result();
      if (done % every === 0) checkpoints.push([done, rss()]);
      if (done === warmUpDeployments) idleAfterWarmUpMiB = (await idle(10)).rssMiB;
    }
    const idleAfterAllMiB = (await idle(10)).rssMiB;
    return { deployments: options.deployments, idleFreshMiB: fresh.rssMiB, idleAfterWarmUpMiB, idleAfterAllMiB, warmUpDeployments, checkpoints, idleSeconds: options.idleSeconds, idleCpuPercent: fresh.cpuPercent };
  } finally {
    await agent.stop();
  }
}
