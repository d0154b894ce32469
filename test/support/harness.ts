import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { type Worker, type NativeConnection } from '@temporalio/worker';
import { startAgentProcess, type AgentProcess } from '../../workers/agent-process.js';
import { connectClient, connectWorker, type TemporalTarget } from '../../workers/connection.js';
import { createControllerWorker } from '../../workers/controller.js';
import { installRuntime } from '../../workers/runtime.js';
import { lazyAwsClients } from '../../workers/aws-clients.js';
import type { ControllerDependencies } from '../../activities/index.js';

/** A task queue / host-ID prefix unique to a test, as the SDK's own tests derive them from titles. */
export function uniqueName(title: string): string {
  const slug = title.toLowerCase().replace(/[\s_()'/-]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${slug}-${Math.random().toString(36).slice(2, 8)}`;
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gantry-${prefix}-`));
}

export function stackAddress(): { address: string; namespace: string } {
  return { address: inject('temporalAddress'), namespace: inject('namespace') };
}

export interface Harness {
  client: Client;
  taskQueue: string;
  controller: Worker;
  workerConnection: NativeConnection;
  close(): Promise<void>;
}

/** A client plus an in-process controller worker on the test's own task queue (on the shared dev server, or `target`). */
export async function startController(taskQueue: string, aws: Partial<ControllerDependencies> = {}, target: TemporalTarget = stackAddress()): Promise<Harness> {
  installRuntime();
  const { client, connection } = await connectClient(target);
  const { connection: workerConnection, namespace, dataConverter } = await connectWorker(target);
  const controller = await createControllerWorker({ connection: workerConnection, namespace, dataConverter, taskQueue, aws: { ...lazyAwsClients(motoEnv()), ...aws } });
  const running = controller.run();
  return {
    client,
    taskQueue,
    controller,
    workerConnection,
    async close() {
      if (controller.getState() === 'RUNNING') controller.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
}

/** AWS settings that point agents and the controller at the run's moto server. */
export function motoEnv(): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: inject('motoEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

export interface HostOptions {
  /** The test's controller queue, so agents register with the test's own host registry. */
  controllerTaskQueue?: string;
  tags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  maxRevisions?: number;
  downloadStallSeconds?: number;
  /** `--elb-target` per host ID (ID[:PORT]). */
  elbTargets?: Record<string, string>;
  /** `--github-api-url` / `--github-token-file`. */
  github?: { apiUrl?: string; tokenFile?: string };
  /** `--log-level` / `--log-format` for every agent. */
  log?: { level?: string; format?: string };
  /** `--metrics-listen` per host ID. */
  metricsListen?: Record<string, string>;
  /** Receives every agent's output (it is discarded otherwise, unless GANTRY_TEST_VERBOSE is set). */
  output?: (chunk: string) => void;
}

/** Real agents, each a simulated host with its own root directory, on the shared dev server. */
export function startHosts(hostIds: readonly string[], rootBase: string, options: HostOptions = {}): AgentProcess[] {
  const target = stackAddress();
  return hostIds.map((hostId) =>
    startAgentProcess({
      hostId,
      rootDir: join(rootBase, hostId),
      address: target.address,
      namespace: target.namespace,
      controllerTaskQueue: options.controllerTaskQueue,
      tags: options.tags,
      env: { ...motoEnv(), ...options.env },
      maxRevisions: options.maxRevisions,
      downloadStallSeconds: options.downloadStallSeconds,
      elbTarget: options.elbTargets?.[hostId],
      github: options.github,
      metricsListen: options.metricsListen?.[hostId],
      log: options.log,
      simulated: true,
      output: (chunk) => {
        options.output?.(chunk);
        if (process.env.GANTRY_TEST_VERBOSE) process.stderr.write(`[${hostId}] ${chunk}`);
      },
    }),
  );
}
