import { ApplicationFailure, condition, proxyActivities, setCurrentDetails, setHandler, TimeoutFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import { FailureType } from './contracts/errors.js';
import type { RevisionLocation } from './contracts/revision.js';
import type { RolloutInput, RolloutStopRequest, RolloutView } from './contracts/rollout.js';
import { outsideWindow, taskQueueOfRegion, validateRolloutInput } from './contracts/rollout.js';
import { joinProblems } from './contracts/values.js';
import { newDeploymentId } from './deployment-ids.js';
import { deploymentGroupWorkflowId } from './contracts/naming.js';
import { rootCause, rootMessage } from './failures.js';
import { approveUpdate, pauseSignal, resumeSignal, rolloutStatusQuery, rolloutStopSignal } from './messages.js';
import { newRolloutView, RolloutMachine, type RolloutMachineState } from './rollout-machine.js';
import { GantrySearchAttributes } from './search-attributes.js';

/** Calls through the worker's client: quick, except waiting for a deployment (heartbeating, as long as deployments last). */
const calls = proxyActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5, nonRetryableErrorTypes: [FailureType.InvalidDeploymentInput] } });
const waits = proxyActivities<ControllerActivities>({ startToCloseTimeout: '120 hours', heartbeatTimeout: '15 seconds', retry: { initialInterval: '1 second', maximumInterval: '10 seconds' } });
/** A region's own controller (its AWS clients): pinning its revision, reading its alarms. */
const inRegion = (taskQueue: string): ControllerActivities =>
  proxyActivities<ControllerActivities>({ taskQueue, scheduleToStartTimeout: '1 minute', startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3, nonRetryableErrorTypes: [FailureType.RevisionNotFound, FailureType.InvalidRevision] } });

/**
 * A rollout of one application's revision across regions, in waves. Each region's deployment is an
 * ordinary deployment of that region's group, run by that region's controller (its queue, its AWS
 * clients): queueing, strategies, alarms and group rollbacks are theirs. The workflow ID is the
 * rollout ID. Ends with the view; fails (details: the view) when the rollout failed or was stopped.
 */
export async function crossRegionRollout(input: RolloutInput, resumed?: RolloutMachineState): Promise<RolloutView> {
  if (!resumed) {
    const problems = validateRolloutInput(input);
    if (problems.length > 0) throw ApplicationFailure.create({ type: FailureType.InvalidDeploymentInput, message: joinProblems(problems), nonRetryable: true });
  }
  const info = workflowInfo();
  const machine = new RolloutMachine(input, resumed ?? newRolloutView(info.workflowId, input, info.startTime.toISOString()));
  const view = machine.state.view;
  setHandler(rolloutStatusQuery, () => view);
  const setStatus = (status: RolloutView['status']): void => {
    if (view.status !== status) upsertSearchAttributes([{ key: GantrySearchAttributes.status, value: status }]);
    view.status = status;
    // The Temporal UI's current details: the status and where each wave is.
    setCurrentDetails(`**${status}**${view.message ? ` · ${view.message}` : ''} · ${view.waves.map((w) => `wave ${w.index + 1} ${w.status}: ${w.regions.map((r) => `${r.region} ${r.status}`).join(', ')}`).join(' · ')}`);
  };
  upsertSearchAttributes([
    { key: GantrySearchAttributes.application, value: input.applicationName },
    { key: GantrySearchAttributes.status, value: view.status },
  ]);

  let changed = 0;
  let stopRequest: RolloutStopRequest | undefined;
  setHandler(rolloutStopSignal, (request) => {
    if (view.completeTime || stopRequest) return;
    stopRequest = request ?? {};
    machine.stop(stopRequest);
    changed += 1;
  });
  setHandler(pauseSignal, () => void (view.paused = true));
  setHandler(resumeSignal, () => void ((view.paused = false), (changed += 1)));
  // The gate being waited at, and its answer (an object, so the handlers' writes are seen here).
  const gate: { wave?: number; answer?: { approved: boolean; approver: string; comment?: string } } = {};
  setHandler(
    approveUpdate,
    (request) => {
      gate.answer = { approved: request.approved ?? true, approver: request.approver, ...(request.comment ? { comment: request.comment } : {}) };
      return { rolloutId: view.rolloutId, wave: gate.wave ?? 0, approved: gate.answer.approved };
    },
    {
      validator: (request) => {
        if (typeof request?.approver !== 'string' || request.approver.trim() === '' || request.approver.length > 256) throw new Error('approver must name who approves (1-256 characters)');
        if (request.approved !== undefined && typeof request.approved !== 'boolean') throw new Error('approved must be true or false');
        if (request.comment !== undefined && (typeof request.comment !== 'string' || request.comment.length > 1024)) throw new Error('comment must be a string of at most 1024 characters');
        if (gate.wave === undefined || gate.answer !== undefined || view.completeTime) throw new Error(`rollout ${view.rolloutId} is not waiting for an approval (${view.status})`);
      },
    },
  );

  const end = (status: 'Succeeded' | 'Failed' | 'Stopped' | 'Refused', message?: string): RolloutView => {
    view.completeTime = new Date().toISOString();
    if (message) view.message = message;
    setStatus(status);
    if (status === 'Failed' || status === 'Stopped') throw ApplicationFailure.create({ type: status === 'Failed' ? 'RolloutFailed' : 'RolloutStopped', message: message ?? status, nonRetryable: true, details: [view] });
    return view;
  };

  if (!resumed) {
    // A scheduled rollout that fires outside its window, or while another of the application runs, does nothing.
    const outside = outsideWindow(input, new Date());
    if (outside) return end('Refused', `not started: ${outside}`);
    const others = await calls.runningRollouts({ applicationName: input.applicationName, except: info.workflowId });
    if (others.length > 0) return end('Refused', `not started: rollout ${others.join(', ')} of ${input.applicationName} is running (two rollouts of an application never run at once)`);
  }

  const pinned = new Map<string, RevisionLocation>();
  const runRegion = async (wave: number, index: number, deploymentId: string): Promise<void> => {
    const region = input.waves[wave]?.regions[index];
    if (!region) return;
    const request = { revision: pinned.get(region.region) ?? region.revision, deploymentId, description: `Rollout ${view.rolloutId}, wave ${wave + 1}`, ...(region.deploymentConfigName ? { deploymentConfigName: region.deploymentConfigName } : {}) };
    try {
      await calls.startRegionDeployment({ taskQueue: taskQueueOfRegion(region), applicationName: input.applicationName, deploymentGroupName: region.deploymentGroupName, request });
      // A stop that came while the deployment was being started reaches it now.
      if (stopRequest && stopsSent) await calls.stopRegionDeployment({ deploymentId, autoRollback: stopRequest.rollback ?? false });
      const outcome = await waits.awaitDeployment({ deploymentId });
      machine.regionFinished(wave, index, outcome.status, outcome.message);
    } catch (err) {
      machine.regionFinished(wave, index, 'Failed', rootMessage(err));
    }
    changed += 1;
  };
  let stopsSent = false;

  for (;;) {
    if (stopRequest && !stopsSent) {
      // Regions in flight are stopped (with the rollback the stop asks for); the rollout waits for them to end.
      stopsSent = true;
      for (const [w, r] of machine.state.inFlight) {
        const deploymentId = view.waves[w]?.regions[r]?.deploymentId;
        if (deploymentId) void calls.stopRegionDeployment({ deploymentId, autoRollback: stopRequest.rollback ?? false }).catch(() => undefined);
      }
    }
    const [step] = machine.next();
    if (!step) throw new Error('the rollout planner gave no step');
    if (view.paused && !machine.halted() && step.kind !== 'wait' && step.kind !== 'end') {
      setStatus('Paused');
      await condition(() => !view.paused || machine.halted());
      continue;
    }
    switch (step.kind) {
      case 'checkRevisions': {
        const problems: { wave: number; region: number; message: string }[] = [];
        await Promise.all(
          input.waves.flatMap((wave, w) =>
            wave.regions.map(async (region, r) => {
              try {
                pinned.set(region.region, await inRegion(taskQueueOfRegion(region)).pinRevision(region.revision));
              } catch (err) {
                // Nobody polled the region's queue: no controller serves the region.
                const cause = rootCause(err);
                const timedOut = cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START';
                problems.push({ wave: w, region: r, message: timedOut ? `no controller serves ${region.region} (task queue ${taskQueueOfRegion(region)}): start one with gantry worker --region ${region.region}` : rootMessage(err) });
              }
            }),
          ),
        );
        machine.revisionsChecked(problems);
        break;
      }
      case 'approve': {
        setStatus('AwaitingApproval');
        gate.wave = step.wave;
        gate.answer = undefined;
        await condition(() => gate.answer !== undefined || machine.halted(), step.timeoutSeconds * 1000);
        const at = new Date().toISOString();
        const answer = gate.answer as { approved: boolean; approver: string; comment?: string } | undefined;
        if (!machine.halted()) machine.approved(answer ? { ...answer, at } : { approved: false, timedOut: true, at });
        gate.wave = undefined;
        break;
      }
      case 'deploy':
        setStatus('InProgress');
        for (const index of step.regions) {
          const deploymentId = newDeploymentId();
          machine.regionStarted(step.wave, index, deploymentId);
          void runRegion(step.wave, index, deploymentId);
        }
        break;
      case 'wait': {
        const seen = changed;
        await condition(() => changed !== seen);
        break;
      }
      case 'bake': {
        setStatus('Baking');
        const interrupted = await condition(() => machine.halted(), step.seconds * 1000);
        if (!interrupted) machine.bakeFinished(step.wave);
        break;
      }
      case 'checkAlarms': {
        const inAlarm: string[] = [];
        for (const region of input.waves[step.wave]?.regions ?? []) {
          if (!region.alarms?.length) continue;
          try {
            const state = await inRegion(taskQueueOfRegion(region)).pollAlarms({ alarmNames: region.alarms });
            inAlarm.push(...state.inAlarm.map((a) => `${region.region}/${a}`), ...state.missing.map((a) => `${region.region}/${a} (does not exist)`));
          } catch (err) {
            inAlarm.push(`${region.region} (its alarms could not be read: ${rootMessage(err)})`);
          }
        }
        machine.alarmsChecked(step.wave, inAlarm);
        break;
      }
      case 'rollback': {
        setStatus('RollingBack');
        const region = input.waves[step.wave]?.regions[step.region];
        const deployed = view.waves[step.wave]?.regions[step.region];
        if (!region || !deployed) break;
        const deploymentId = newDeploymentId();
        machine.rolledBack(step.wave, step.region, { deploymentId, status: 'InProgress' });
        try {
          const answer = await calls.requestRollback({
            groupWorkflowId: deploymentGroupWorkflowId(input.applicationName, region.deploymentGroupName, taskQueueOfRegion(region)),
            request: { deploymentId, ...(deployed.deploymentId ? { triggeringDeploymentId: deployed.deploymentId } : {}), reason: `Rollout ${view.rolloutId} rolls ${region.region} back: ${machine.state.halt?.message ?? ''}` },
          });
          if ('refused' in answer) {
            machine.rolledBack(step.wave, step.region, { status: 'Refused', message: answer.refused });
          } else {
            const outcome = await waits.awaitDeployment({ deploymentId: answer.deploymentId });
            machine.rolledBack(step.wave, step.region, { deploymentId: answer.deploymentId, status: outcome.status === 'Succeeded' ? 'Succeeded' : 'Failed', ...(outcome.message ? { message: outcome.message } : {}) });
          }
        } catch (err) {
          machine.rolledBack(step.wave, step.region, { status: 'Failed', message: rootMessage(err) });
        }
        break;
      }
      case 'end':
        return end(step.status, step.message);
    }
  }
}
