/**
 * Replays recorded histories of real runs (test/replay/histories, made by `npm run record-histories`)
 * against today's workflow code: a change that would break a deployment, group, registry or catalog
 * already in flight fails here. An intentional change goes behind `patched()` and adds histories.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../workers/controller.js';
import { installRuntime } from '../../workers/runtime.js';

const DIR = join(import.meta.dirname, 'histories');

interface Recorded {
  workflowId: string;
  workflowType: string;
  history: Record<string, unknown>;
}

const recorded = (): { name: string; recording: Recorded }[] =>
  readdirSync(DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, recording: JSON.parse(readFileSync(join(DIR, name), 'utf8')) as Recorded }));

const history = (recording: Recorded): temporal.api.history.v1.History => temporal.api.history.v1.History.fromObject(recording.history);

describe('replay: recorded histories still replay on today’s workflow code', () => {
  it('replays every recorded history without a determinism error', async () => {
    installRuntime();
    const all = recorded();
    // Every workflow type Gantry runs is covered.
    expect(new Set(all.map((r) => r.recording.workflowType))).toEqual(new Set(['deployment', 'hostDeployment', 'deploymentGroup', 'hostRegistry', 'deploymentConfigs', 'applications']));
    const results: { workflowId: string; error?: unknown }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, all.map(({ recording }) => ({ workflowId: recording.workflowId, history: history(recording) })))) {
      results.push({ workflowId: result.workflowId, error: result.error });
    }
    expect(results.filter((r) => r.error !== undefined).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
    expect(results).toHaveLength(all.length);
  });

  it('fails when a history no longer matches the code (here: an activity renamed in the history)', async () => {
    installRuntime();
    const { recording } = recorded().find((r) => r.name === 'host-deployment-succeeded.json') as { recording: Recorded };
    const altered = structuredClone(recording);
    const events = altered.history.events as { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled).toBeDefined();
    (scheduled as { activityTaskScheduledEventAttributes: { activityType: { name: string } } }).activityTaskScheduledEventAttributes.activityType.name = 'renamedActivity';
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history(altered), altered.workflowId)).rejects.toThrow(DeterminismViolationError);
  });
});
