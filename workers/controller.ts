import { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createControllerActivities } from '../activities/index.js';
import { lazyS3Client } from './aws-clients.js';
import { CONTROLLER_TASK_QUEUE } from '../workflows/contracts/naming.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry point, bundled by the worker at start. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

export interface ControllerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Default `gantry`; tests use their own queue to stay isolated. */
  taskQueue?: string;
  /** Default: a client configured from the environment. */
  s3?: () => S3Client;
}

/**
 * The controller worker: runs every Gantry workflow and the cloud-side activities (revision pinning).
 * Stateless; run as many as needed.
 */
export async function createControllerWorker(options: ControllerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? CONTROLLER_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: createControllerActivities({ s3: options.s3 ?? lazyS3Client() }),
  });
}
