import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { DeploymentSummary } from '../../workflows/contracts/deployment.js';
import { createControllerActivities } from '../../activities/index.js';
import { lazyAwsClients } from '../../workers/aws-clients.js';
import { getDeploymentSummary, startDeployment } from '../../workers/deployments.js';
import { motoEnv, startController, uniqueName, type Harness } from '../support/harness.js';

const require = createRequire(import.meta.url);
const HOSTS = Number(process.env.GANTRY_SCALE_HOSTS ?? 10_000);

/**
 * Fleet scale: one deployment to 10,000 simulated hosts (children that return at once; see
 * scale-workflows.ts). Every run of the deployment must stay under Temporal's 10,240 history events
 * and 2,000 pending children, continuing as new as often as that takes.
 */
describe('workflows/deployment at fleet scale (10,000 simulated hosts)', () => {
  let harness: Harness;
  let worker: Worker;
  let running: Promise<void>;
  const queue = uniqueName('scale');

  beforeAll(async () => {
    // A client-only harness: its controller worker is replaced by one with the simulated hosts.
    harness = await startController(`${queue}-unused`);
    worker = await Worker.create({
      connection: harness.workerConnection,
      namespace: harness.client.options.namespace,
      taskQueue: queue,
      workflowsPath: require.resolve('../support/scale-workflows.ts'),
      activities: createControllerActivities(lazyAwsClients(motoEnv())),
      maxConcurrentWorkflowTaskExecutions: 40,
    });
    running = worker.run();
  }, 180_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await harness?.close();
  });

  it('deploys AllAtOnce to 10,000 hosts across several runs, each within the history and pending-child limits', async () => {
    const hostIds = Array.from({ length: HOSTS }, (_, i) => `sim-${String(i).padStart(5, '0')}${i % 1000 === 999 ? '-fail' : ''}`);
    const id = await startDeployment(
      harness.client,
      { applicationName: 'scale', deploymentGroupName: queue, revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: hostIds, deploymentConfigName: 'AllAtOnce' },
      { taskQueue: queue },
    );
    const summary = (await harness.client.workflow.getHandle(id).result()) as DeploymentSummary;
    expect(summary.status).toBe('Succeeded');
    expect(summary.deploymentOverview).toMatchObject({ Succeeded: HOSTS - 10, Failed: 10, Pending: 0, InProgress: 0 });
    expect(summary.targets.find((t) => t.targetId === 'sim-00999-fail')?.failedEvent).toMatchObject({ lifecycleEventName: 'ApplicationStart' });
    expect((await getDeploymentSummary(harness.client, id)).deploymentOverview.Succeeded).toBe(HOSTS - 10);

    const runs: { runId: string; events: number; maxPendingChildren: number }[] = [];
    for await (const execution of harness.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      const history = await harness.client.workflow.getHandle(id, execution.runId).fetchHistory();
      let pending = 0;
      let maxPending = 0;
      for (const event of history.events ?? []) {
        if (event.startChildWorkflowExecutionInitiatedEventAttributes) maxPending = Math.max(maxPending, (pending += 1));
        if (event.childWorkflowExecutionCompletedEventAttributes || event.childWorkflowExecutionFailedEventAttributes || event.startChildWorkflowExecutionFailedEventAttributes) pending -= 1;
      }
      runs.push({ runId: execution.runId, events: history.events?.length ?? 0, maxPendingChildren: maxPending });
    }
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      expect(run.events).toBeLessThan(10_240);
      expect(run.maxPendingChildren).toBeLessThanOrEqual(2_000);
    }
  }, 600_000);
});
