import { createRequire } from 'node:module';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { CONTROLLER_TASK_QUEUE } from '../workflows/contracts/naming.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry point, bundled by the worker at start. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

export interface ControllerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Default `gantry`; tests use their own queue to stay isolated. */
  taskQueue?: string;
}

/**
 * The controller worker: runs every Gantry workflow. Stateless; run as many as needed. (Cloud-side
 * activities such as S3 pinning and ELB changes join it in later versions.)
 */
export async function createControllerWorker(options: ControllerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? CONTROLLER_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
  });
}
