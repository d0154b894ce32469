import { mkdir, writeFile } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import { HOST_ID_PATTERN, hostTaskQueue } from '../workflows/contracts/naming.js';
import { connectWorker, type TemporalTarget } from '../workers/connection.js';
import { createAgentActivities } from './activities.js';
import { AgentLayout } from './layout.js';

export interface AgentOptions {
  hostId: string;
  rootDir: string;
  tags?: Record<string, string>;
  zone?: string;
  temporal?: TemporalTarget;
  /** How long a graceful shutdown waits for the lifecycle event in flight (default 60 s). */
  shutdownGraceSeconds?: number;
}

/** Creates (but does not run) a host agent: an activity-only worker on the host's own task queue. */
export async function createAgent(options: AgentOptions): Promise<Worker> {
  if (!HOST_ID_PATTERN.test(options.hostId)) {
    throw new Error(`--host-id ${JSON.stringify(options.hostId)} is not valid: use letters, digits, . _ - (at most 128, starting with a letter or digit)`);
  }
  const layout = new AgentLayout(options.rootDir);
  await mkdir(layout.deploymentRoot, { recursive: true });
  await writeFile(
    layout.hostFile,
    `${JSON.stringify({ hostId: options.hostId, tags: options.tags ?? {}, zone: options.zone ?? null }, null, 2)}\n`,
  );
  const { connection, namespace } = await connectWorker(options.temporal);
  return Worker.create({
    connection,
    namespace,
    taskQueue: hostTaskQueue(options.hostId),
    activities: createAgentActivities({ hostId: options.hostId, layout }),
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 60}s`,
    // A host runs one deployment's events at a time; a few slots cover overlapping groups.
    maxConcurrentActivityTaskExecutions: 4,
  });
}
