/**
 * Lambda deployments as a pure planner plus a state machine (CodeDeploy's Lambda compute platform).
 * Read and check the AppSpec against the function; run the BeforeAllowTraffic validation function;
 * shift the alias to TargetVersion in the configuration's steps (additional version weights, a bake
 * with alarm polls after each); run AfterAllowTraffic. Any failure, an alarm or a stop with rollback
 * puts the alias back on CurrentVersion with no additional weights, and records why.
 */
import type { DeploymentConfig } from '../contracts/deployment-config.js';
import type { TargetStatus } from '../contracts/deployment.js';
import type { ShiftStep } from '../contracts/blue-green.js';
import { shiftSteps } from '../contracts/blue-green.js';
import type { AliasRouting, LambdaAppSpec, LambdaHookEvent, LambdaView } from '../contracts/lambda.js';
import { DEFAULT_HOOK_TIMEOUT_SECONDS, LAMBDA_EVENTS, lambdaTargetId } from '../contracts/lambda.js';
import type { LifecycleEventView } from '../contracts/lifecycle.js';
import type { DeploymentStrategy, StepFailureCode, StrategyPlanOptions, StrategyPlanResult, StrategyRun, StrategyStep } from './strategy.js';

export interface LambdaPlan {
  deploymentConfig: DeploymentConfig;
  shift: ShiftStep[];
  hookTimeoutSeconds: number;
  /** Each validation function's lifecycleEventHookExecutionId, fixed when the deployment is planned. */
  executionIds: Record<LambdaHookEvent, string>;
}

type Phase = 'read' | LambdaHookEvent | 'shift' | 'done';

export interface LambdaState {
  phase: Phase;
  appSpec?: LambdaAppSpec;
  shiftIndex: number;
  /** The current shift step's weight is set and its bake is due. */
  holding: boolean;
  status: TargetStatus;
  failure?: { message: string; code?: StepFailureCode };
  /** Putting the alias back: asked for (and why), then done. */
  restore?: { reason: string; done: boolean; failedToo?: string };
  view: LambdaView;
}

export function planLambda(config: DeploymentConfig, options: StrategyPlanOptions): StrategyPlanResult<LambdaPlan> {
  const id = options.newId ?? ((): string => '');
  return {
    ok: true,
    plan: {
      deploymentConfig: config,
      shift: shiftSteps(config.trafficRoutingConfig ?? { type: 'AllAtOnce' }),
      hookTimeoutSeconds: options.deployment?.lambdaHookTimeoutSeconds ?? DEFAULT_HOOK_TIMEOUT_SECONDS,
      executionIds: { BeforeAllowTraffic: id(), AfterAllowTraffic: id() },
    },
  };
}

export function runLambda(plan: LambdaPlan, saved?: LambdaState): StrategyRun<LambdaState> {
  const state: LambdaState = saved ?? {
    phase: 'read',
    shiftIndex: 0,
    holding: false,
    status: 'Pending',
    view: {
      targetVersionWeight: 0,
      shifts: plan.shift.map((s) => ({ targetVersionPercent: s.greenPercent, holdSeconds: s.holdSeconds })),
      lifecycleEvents: LAMBDA_EVENTS.map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
      hooks: [],
    },
  };
  const event = (name: (typeof LAMBDA_EVENTS)[number]): LifecycleEventView => state.view.lifecycleEvents.find((e) => e.lifecycleEventName === name) as LifecycleEventView;
  const appSpec = (): LambdaAppSpec => state.appSpec as LambdaAppSpec;
  const fail = (message: string, code: StepFailureCode): void => {
    state.failure ??= { message, code };
  };
  /** CurrentVersion with no additional weights: where a rollback puts the alias. */
  const original = (): AliasRouting => ({ functionVersion: appSpec().currentVersion, additionalVersionWeights: {} });
  const routingAt = (percent: number): AliasRouting =>
    percent >= 100 ? { functionVersion: appSpec().targetVersion, additionalVersionWeights: {} } : { functionVersion: appSpec().currentVersion, additionalVersionWeights: { [appSpec().targetVersion]: percent / 100 } };
  const restoreStep = (): StrategyStep => ({ kind: 'routeAlias', functionName: appSpec().functionName, alias: appSpec().alias, routing: original(), detail: `back to version ${appSpec().currentVersion}` });
  /** Events not run yet are Skipped; the one running ends as `status`. */
  const closeEvents = (status: 'Failed' | 'Succeeded', message?: string, at?: string): void => {
    for (const e of state.view.lifecycleEvents) {
      if (e.status === 'InProgress') Object.assign(e, { status, ...(at ? { endTime: at } : {}), ...(message ? { diagnostics: { errorCode: 'UnknownError', message, logTail: '' } } : {}) });
      else if (e.status === 'Pending') e.status = 'Skipped';
    }
  };
  const start = (name: (typeof LAMBDA_EVENTS)[number], at?: string): void => {
    const e = event(name);
    if (e.status === 'Pending') Object.assign(e, { status: 'InProgress', ...(at ? { startTime: at } : {}) });
  };
  const finishEvent = (name: (typeof LAMBDA_EVENTS)[number], at: string): void => {
    Object.assign(event(name), { status: 'Succeeded', endTime: at });
  };

  const next = (): StrategyStep[] => {
    for (;;) {
      if (state.failure) {
        if (state.appSpec && state.restore === undefined) state.restore = { reason: state.failure.message, done: false };
        if (state.restore && !state.restore.done && !state.restore.failedToo) return [restoreStep()];
        const also = state.restore?.failedToo ? ` The alias could not be put back on version ${appSpec().currentVersion} either: ${state.restore.failedToo}` : '';
        return [{ kind: 'failed', message: `${state.failure.message}${also}`, ...(state.failure.code ? { code: state.failure.code } : {}) }];
      }
      switch (state.phase) {
        case 'read':
          return [{ kind: 'readLambdaRevision' }];
        case 'BeforeAllowTraffic':
        case 'AfterAllowTraffic': {
          const hook = appSpec().hooks[state.phase];
          if (hook) {
            const id = plan.executionIds[state.phase];
            if (!state.view.hooks.some((h) => h.lifecycleEventHookExecutionId === id)) {
              state.view.hooks.push({ lifecycleEventName: state.phase, functionName: hook, lifecycleEventHookExecutionId: id, status: 'InProgress' });
              event(state.phase).status = 'InProgress';
            }
            return [{ kind: 'invokeHook', lifecycleEventName: state.phase, functionName: hook, lifecycleEventHookExecutionId: plan.executionIds[state.phase], timeoutSeconds: plan.hookTimeoutSeconds }];
          }
          event(state.phase).status = 'Skipped';
          state.phase = state.phase === 'BeforeAllowTraffic' ? 'shift' : 'done';
          continue;
        }
        case 'shift': {
          const step = plan.shift[state.shiftIndex];
          if (!step) {
            state.phase = 'AfterAllowTraffic';
            continue;
          }
          if (state.holding) return [{ kind: 'bake', seconds: step.holdSeconds, detail: `${step.greenPercent}% on version ${appSpec().targetVersion}` }];
          return [{ kind: 'routeAlias', functionName: appSpec().functionName, alias: appSpec().alias, routing: routingAt(step.greenPercent), detail: `${step.greenPercent}% to version ${appSpec().targetVersion}` }];
        }
        case 'done':
          state.status = 'Succeeded';
          return [{ kind: 'succeeded' }];
      }
    }
  };

  return {
    state,
    next,
    stepDone(result) {
      switch (result.kind) {
        case 'readLambdaRevision': {
          const resolution = result.resolution;
          if (!resolution.ok) {
            state.status = 'Failed';
            return fail(resolution.message, resolution.code);
          }
          const spec = resolution.appSpec;
          state.appSpec = spec;
          state.status = 'InProgress';
          Object.assign(state.view, { functionName: spec.functionName, functionAlias: spec.alias, currentVersion: spec.currentVersion, targetVersion: spec.targetVersion });
          state.phase = 'BeforeAllowTraffic';
          return;
        }
        case 'invokeHook': {
          const name = state.phase as LambdaHookEvent;
          const hook = { lifecycleEventName: name, functionName: appSpec().hooks[name] as string, lifecycleEventHookExecutionId: plan.executionIds[name], status: result.status, startTime: result.startTime, endTime: result.endTime, message: result.message };
          state.view.hooks = [...state.view.hooks.filter((h) => h.lifecycleEventName !== name), hook];
          const e = event(name);
          Object.assign(e, { status: result.status, startTime: result.startTime, endTime: result.endTime, ...(result.status === 'Failed' ? { diagnostics: { errorCode: 'ScriptFailed', scriptName: hook.functionName, message: result.message, logTail: '' } } : {}) });
          if (result.status === 'Failed') {
            state.status = 'Failed';
            closeEvents('Failed');
            return fail(`The ${name} validation function ${hook.functionName} failed: ${result.message}`, 'HOOK_EXECUTION_FAILURE');
          }
          state.phase = name === 'BeforeAllowTraffic' ? 'shift' : 'done';
          return;
        }
        case 'routeAlias': {
          if (state.restore && !state.restore.done) {
            state.restore.done = true;
            state.view.targetVersionWeight = 0;
            state.view.rollback = { reason: state.restore.reason, at: result.at };
            return;
          }
          const step = plan.shift[state.shiftIndex] as ShiftStep;
          start('AllowTraffic', state.view.shifts[0]?.at ?? result.at);
          const shown = state.view.shifts[state.shiftIndex];
          if (shown) shown.at = result.at;
          state.view.targetVersionWeight = step.greenPercent / 100;
          if (step.greenPercent >= 100) finishEvent('AllowTraffic', result.at);
          if (step.holdSeconds > 0) state.holding = true;
          else state.shiftIndex += 1;
          return;
        }
        default:
          return;
      }
    },
    stepFailed(step, message) {
      if (step.kind === 'routeAlias' && state.restore && !state.restore.done) {
        state.restore.failedToo = message;
        return;
      }
      state.status = 'Failed';
      closeEvents('Failed', message);
      fail(message, step.kind === 'readLambdaRevision' ? 'INVALID_REVISION' : 'INVALID_LAMBDA_CONFIGURATION');
    },
    windDown({ rollback, reason }) {
      if (state.status === 'InProgress') state.status = 'Failed';
      closeEvents('Failed', 'The deployment was stopped.');
      if (!rollback || !state.appSpec || state.restore) return [];
      state.restore = { reason, done: false };
      return [restoreStep()];
    },
    hostFinished: () => undefined,
    bakeFinished() {
      state.holding = false;
      state.shiftIndex += 1;
    },
    inFlight: () => 0,
    failed: () => (state.status === 'Failed' ? 1 : 0),
    zone: () => undefined,
    view: () => ({ lambda: state.view }),
    targets: () => (state.appSpec ? [{ targetId: lambdaTargetId(state.appSpec), status: state.status }] : []),
  };
}

export const lambda: DeploymentStrategy<LambdaPlan, LambdaState> = {
  kind: 'LAMBDA',
  plan: (config, _targets, options) => planLambda(config, options),
  skipped: () => [],
  run: (plan, state) => runLambda(plan, state),
  hostEvents: () => [],
};
