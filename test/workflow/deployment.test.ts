import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { AgentActivities, LifecycleEventInput } from '../../workflows/contracts/agent.js';
import type { DeploymentInput, DeploymentView } from '../../workflows/contracts/deployment.js';
import { AGENT_EVENTS, type AgentEventName, type HookEventName } from '../../workflows/contracts/lifecycle.js';
import { hostTaskQueue, hostWorkflowId, SearchAttributeName } from '../../workflows/contracts/naming.js';
import { batchGetDeployments, batchGetDeploymentTargets, getDeployment, newDeploymentId, startDeployment } from '../../workers/deployments.js';
import { startController, uniqueName, type Harness } from '../support/harness.js';

/** A scripted host: succeeds every event, except the one it is told to fail; DownloadBundle names the hooks with scripts when given. */
function fakeAgent(calls: string[], failAt?: AgentEventName, scriptedEvents?: HookEventName[]): AgentActivities {
  const entries = AGENT_EVENTS.map((event) => [
    event,
    async ({ hostId }: LifecycleEventInput) => {
      calls.push(`${hostId}:${event}`);
      if (event === failAt) {
        throw ApplicationFailure.create({
          type: 'ScriptFailed',
          message: `Script at specified location: scripts/${event}.sh failed with exit code 2`,
          nonRetryable: true,
          details: [{ errorCode: 'ScriptFailed', scriptName: `scripts/${event}.sh`, message: `Script at specified location: scripts/${event}.sh failed with exit code 2`, logTail: '[stderr]boom' }],
        });
      }
      const result = { status: 'Succeeded' as const, diagnostics: { errorCode: 'Success' as const, message: 'ok', logTail: '' } };
      return event === 'DownloadBundle' && scriptedEvents ? { ...result, scriptedEvents } : result;
    },
  ]);
  return Object.fromEntries(entries) as AgentActivities;
}

describe('workflows/deployment (fake hosts)', () => {
  let harness: Harness;
  const hostWorkers: Worker[] = [];
  const runs: Promise<void>[] = [];
  const calls: string[] = [];
  const prefix = uniqueName('wf');
  const host = (n: number): string => `${prefix}-h${n}`;

  beforeAll(async () => {
    harness = await startController(uniqueName('deployment workflow'));
    // Hosts 1-3 succeed; host 4 fails AfterInstall; host 5 has no agent at all; host 6 fails ApplicationStop.
    // Host 7's revision has scripts for ApplicationStop and AfterInstall only.
    for (const [n, failAt, scripted] of [[1], [2], [3], [4, 'AfterInstall'], [6, 'ApplicationStop'], [7, undefined, ['ApplicationStop', 'AfterInstall']]] as const) {
      const worker = await Worker.create({
        connection: harness.workerConnection,
        namespace: harness.client.options.namespace,
        taskQueue: hostTaskQueue(host(n)),
        activities: fakeAgent(calls, failAt, scripted ? [...scripted] : undefined),
      });
      hostWorkers.push(worker);
      runs.push(worker.run());
    }
  });

  afterAll(async () => {
    for (const worker of hostWorkers) worker.shutdown();
    await Promise.all(runs);
    await harness?.close();
  });

  let groups = 0;
  // A group per deployment, so health from one test never reorders hosts in another.
  const input = (hosts: string[], extra: Partial<DeploymentInput> = {}): DeploymentInput => ({
    applicationName: 'wf-app',
    deploymentGroupName: `${prefix}-${(groups += 1)}`,
    revision: { revisionType: 'Local', local: { path: '/nonexistent/revision' } },
    targetHosts: hosts,
    ...extra,
  });

  async function succeededView(id: string): Promise<DeploymentView> {
    await harness.client.workflow.getHandle(id).result();
    return getDeployment(harness.client, id);
  }

  async function failedView(id: string): Promise<DeploymentView> {
    const err = await harness.client.workflow.getHandle(id).result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('HealthConstraints');
    return getDeployment(harness.client, id);
  }

  it('deploys one host at a time, each event in CodeDeploy order on its own queue', async () => {
    const id = await startDeployment(harness.client, input([host(1), host(2)]), { taskQueue: harness.taskQueue });
    const view = await succeededView(id);
    expect(view.status).toBe('Succeeded');
    expect(view.deploymentOverview).toMatchObject({ Succeeded: 2, Failed: 0, Pending: 0, InProgress: 0 });
    expect(view.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime');
    const order = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
    for (const target of view.targets) {
      expect(target.lifecycleEvents.map((e) => e.lifecycleEventName)).toEqual(order);
      expect(target.lifecycleEvents.every((e) => e.status === 'Succeeded' && e.startTime && e.endTime)).toBe(true);
    }
    // One at a time: host 1 finished all its events before host 2 started.
    const mine = calls.filter((c) => c.startsWith(host(1)) || c.startsWith(host(2)));
    expect(mine).toEqual([...order.map((e) => `${host(1)}:${e}`), ...order.map((e) => `${host(2)}:${e}`)]);
  });

  it("answers the hooks its revision has no scripts for without the agent, each still an entry in the host's history", async () => {
    const id = await startDeployment(harness.client, input([host(7)]), { taskQueue: harness.taskQueue });
    const view = await succeededView(id);
    const [target] = view.targets;
    const order = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
    expect(target?.lifecycleEvents.map((e) => `${e.lifecycleEventName} ${e.status}`)).toEqual(order.map((e) => `${e} Succeeded`));
    // The agent ran the events before DownloadBundle said which hooks have scripts, and those with scripts after it.
    expect(calls.filter((c) => c.startsWith(`${host(7)}:`))).toEqual(['ApplicationStop', 'DownloadBundle', 'Install', 'AfterInstall'].map((e) => `${host(7)}:${e}`));
    const answered = target?.lifecycleEvents.filter((e) => ['BeforeInstall', 'ApplicationStart', 'ValidateService'].includes(e.lifecycleEventName));
    expect(answered?.map((e) => e.diagnostics?.message)).toEqual(['No scripts for BeforeInstall (no-op)', 'No scripts for ApplicationStart (no-op)', 'No scripts for ValidateService (no-op)']);
    expect(answered?.every((e) => e.startTime && e.endTime)).toBe(true);
    // Each answered event is a local activity in the host's history, named in its summary.
    const history = await harness.client.workflow.getHandle(hostWorkflowId(id, host(7))).fetchHistory();
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(markers).toHaveLength(3);
    const summaries = markers.map((e) => JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? []).toString()) as string);
    expect(summaries).toEqual(['BeforeInstall', 'ApplicationStart', 'ValidateService'].map((e) => `${e} on ${host(7)} (${id}): no scripts in this revision`));
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled).toEqual(['ApplicationStop', 'DownloadBundle', 'Install', 'AfterInstall']);
  });

  it('fails with HEALTH_CONSTRAINTS when a host other than the last fails, and starts no further host', async () => {
    const id = await startDeployment(harness.client, input([host(4), host(3)]), { taskQueue: harness.taskQueue });
    const view = await failedView(id);
    expect(view.status).toBe('Failed');
    expect(view.errorInformation?.code).toBe('HEALTH_CONSTRAINTS');
    const [failed, skipped] = view.targets;
    expect(failed?.status).toBe('Failed');
    const afterInstall = failed?.lifecycleEvents.find((e) => e.lifecycleEventName === 'AfterInstall');
    expect(afterInstall).toMatchObject({ status: 'Failed', diagnostics: { errorCode: 'ScriptFailed', scriptName: 'scripts/AfterInstall.sh', logTail: '[stderr]boom' } });
    expect(failed?.lifecycleEvents.filter((e) => e.status === 'Skipped').map((e) => e.lifecycleEventName)).toEqual(['ApplicationStart', 'ValidateService']);
    expect(skipped?.status).toBe('Skipped');
    expect(calls.some((c) => c.startsWith(`${host(3)}:`) && calls.indexOf(c) > calls.indexOf(`${host(4)}:AfterInstall`))).toBe(false);
    expect(view.deploymentOverview).toMatchObject({ Failed: 1, Skipped: 1, Succeeded: 0 });
  });

  it('answers batch-get-deployments and batch-get-deployment-targets as CodeDeploy does', async () => {
    const one = await startDeployment(harness.client, input([host(1), host(2)]), { taskQueue: harness.taskQueue });
    const two = await startDeployment(harness.client, input([host(3)]), { taskQueue: harness.taskQueue });
    await succeededView(one);
    await succeededView(two);
    const found = await batchGetDeployments(harness.client, [one, 'd-NOSUCHONE', two]);
    expect(found.map((d) => `${d.deploymentId} ${d.status}`)).toEqual([`${one} Succeeded`, `${two} Succeeded`]);
    await expect(batchGetDeployments(harness.client, Array.from({ length: 26 }, () => one))).rejects.toThrow(/1-25 deployments; got 26/);
    const targets = await batchGetDeploymentTargets(harness.client, one, [host(2), host(1)]);
    expect(targets.map((t) => `${t.targetId} ${t.status} ${t.lifecycleEvents.length}`)).toEqual([`${host(2)} Succeeded 7`, `${host(1)} Succeeded 7`]);
    await expect(batchGetDeploymentTargets(harness.client, one, [host(9)])).rejects.toThrow(/has no target .*-h9 \(DeploymentTargetDoesNotExist\)/);
  });

  it('OneAtATime tolerates a failure of the last host', async () => {
    const id = await startDeployment(harness.client, input([host(1), host(4)]), { taskQueue: harness.taskQueue });
    const view = await succeededView(id);
    expect(view.status).toBe('Succeeded');
    expect(view.deploymentOverview).toMatchObject({ Succeeded: 1, Failed: 1 });
  });

  it('ignoreApplicationStopFailures lets a failing ApplicationStop pass; without it the host fails', async () => {
    const ignored = await startDeployment(harness.client, input([host(6)], { ignoreApplicationStopFailures: true }), { taskQueue: harness.taskQueue });
    const view = await succeededView(ignored);
    expect(view.status).toBe('Succeeded');
    const stop = view.targets[0]?.lifecycleEvents[0];
    expect(stop).toMatchObject({ lifecycleEventName: 'ApplicationStop', status: 'Failed' });
    expect(stop?.diagnostics?.message).toMatch(/\(ignored: ignoreApplicationStopFailures\)$/);
    expect(view.targets[0]?.lifecycleEvents.slice(1).every((e) => e.status === 'Succeeded')).toBe(true);

    const strict = await startDeployment(harness.client, input([host(6)]), { taskQueue: harness.taskQueue });
    const failed = await failedView(strict);
    expect(failed.targets[0]?.lifecycleEvents.map((e) => e.status)).toEqual(['Failed', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped']);
  });

  it('fails a host whose agent is not polling, saying so', async () => {
    const id = await startDeployment(harness.client, input([host(5)], { agentTimeouts: { scheduleToStartSeconds: 1 } }), { taskQueue: harness.taskQueue });
    const view = await failedView(id);
    const first = view.targets[0]?.lifecycleEvents[0];
    expect(first).toMatchObject({ lifecycleEventName: 'ApplicationStop', status: 'Failed' });
    expect(first?.diagnostics?.message).toMatch(/did not pick up the lifecycle event.*agent running/);
  });

  it('rejects an invalid input started directly with Temporal (as `temporal workflow start` would)', async () => {
    const handle = await harness.client.workflow.start('deployment', {
      taskQueue: harness.taskQueue,
      workflowId: newDeploymentId(),
      args: [{ applicationName: 'wf-app', deploymentGroupName: 'g', revision: { revisionType: 'Local', local: { path: 'relative' } }, targetHosts: [] }],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidDeploymentInput');
    expect(cause.message).toMatch(/revision\.local\.path must be an absolute path; got "relative"/);
    expect(cause.message).toMatch(/targetHosts must be a non-empty list/);
  });

  it('tags deployments with search attributes so they can be listed and filtered', async () => {
    const id = await startDeployment(harness.client, input([host(1)], { deploymentGroupName: prefix }), { taskQueue: harness.taskQueue });
    await harness.client.workflow.getHandle(id).result();
    const query = `${SearchAttributeName.deploymentGroup} = '${prefix}' AND ${SearchAttributeName.status} = 'Succeeded' AND WorkflowId = '${id}'`;
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i += 1) {
      found = [];
      for await (const wf of harness.client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual([id]);
  });
});
