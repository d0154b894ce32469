import { createRequire } from 'node:module';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createControllerActivities, type ControllerDependencies } from '../activities/index.js';
import { lazyAwsClients } from './aws-clients.js';
import { CONTROLLER_TASK_QUEUE } from '../workflows/contracts/naming.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry point, bundled by the worker at start. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

export interface ControllerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Default `gantry`; tests use their own queue to stay isolated. */
  taskQueue?: string;
  /** AWS clients and test seams; default: clients configured from the environment. */
  aws?: Partial<ControllerDependencies>;
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
    activities: createControllerActivities({ ...lazyAwsClients(), ...options.aws }),
  });
}
