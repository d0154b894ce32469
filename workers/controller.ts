import { createRequire } from 'node:module';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createControllerActivities, type ControllerDependencies } from '../activities/index.js';
import { lazyAwsClients } from './aws-clients.js';
import { CONTROLLER_TASK_QUEUE, REGION_PATTERN, regionTaskQueue } from '../workflows/contracts/naming.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry point, bundled by the worker at start. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

export interface ControllerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Default `gantry` (or the region's, `gantry-<region>`); tests use their own queue to stay isolated. */
  taskQueue?: string;
  /** The AWS region this controller serves: its AWS clients use it, and its default queue is the region's. */
  region?: string;
  /** AWS clients and test seams; default: clients configured from the environment. */
  aws?: Partial<ControllerDependencies>;
  /** Workflow interceptor modules bundled with the workflows (tracing, or a test's stand-in for a new build). */
  workflowInterceptorModules?: string[];
  /** The payload codec's converter (from connectWorker), so the worker and its activities' client encrypt. */
  dataConverter?: DataConverter;
}

/**
 * The controller worker: runs every Gantry workflow and the cloud-side activities (revision pinning).
 * Stateless; run as many as needed.
 */
export async function createControllerWorker(options: ControllerOptions): Promise<Worker> {
  const { region } = options;
  if (region !== undefined && !REGION_PATTERN.test(region)) throw new Error(`--region must be an AWS region such as us-east-1; got ${JSON.stringify(region)}`);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? (region ? regionTaskQueue(region) : CONTROLLER_TASK_QUEUE),
    workflowsPath: WORKFLOWS_PATH,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.workflowInterceptorModules?.length ? { interceptors: { workflowModules: options.workflowInterceptorModules } } : {}),
    activities: createControllerActivities({ ...lazyAwsClients(region ? { ...process.env, AWS_REGION: region } : process.env), ...options.aws }),
  });
}
