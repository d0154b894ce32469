import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createControllerActivities, type ControllerDependencies } from '../activities/index.js';
import { lazyAwsClients } from './aws-clients.js';
import { CONTROLLER_TASK_QUEUE, REGION_PATTERN, regionTaskQueue } from '../workflows/contracts/naming.js';
import { MODULE_EXTENSION, REPO_ROOT } from './tools.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry point, bundled by the worker at start (from source). */
export const WORKFLOWS_PATH = require.resolve(`../workflows/index${MODULE_EXTENSION}`);

/**
 * The workflow bundle `npm run build` made (dist/workflow-bundle*.js), when this runs compiled: one
 * plain, one with the payload codec's failure converter. From source, the worker bundles at start.
 */
export function prebuiltWorkflowBundle(encodedFailures: boolean): string | undefined {
  if (MODULE_EXTENSION !== '.js') return undefined;
  const path = join(REPO_ROOT, 'dist', encodedFailures ? 'workflow-bundle-encoded-failures.js' : 'workflow-bundle.js');
  return existsSync(path) ? path : undefined;
}

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

/** The prebuilt bundle when there is one and no interceptor module must go into it; else the sources. */
function workflowCode(options: ControllerOptions): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const prebuilt = options.workflowInterceptorModules?.length ? undefined : prebuiltWorkflowBundle(Boolean(options.dataConverter?.failureConverterPath));
  return prebuilt ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: WORKFLOWS_PATH };
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
    ...workflowCode(options),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.workflowInterceptorModules?.length ? { interceptors: { workflowModules: options.workflowInterceptorModules } } : {}),
    activities: createControllerActivities({ ...lazyAwsClients(region ? { ...process.env, AWS_REGION: region } : process.env), ...options.aws }),
  });
}
