/**
 * Blue/green as a pure planner plus a state machine (CodeDeploy's EC2 blue/green). Forward:
 * discover the replacement (green) hosts, read which group of a target group pair is live, install
 * green under the configuration's health rules (the in-place rollout over green), wait until Ready
 * if asked, let green take traffic (register, switch or shift by weight), take the original (blue)
 * hosts out, then keep them or terminate them after the termination wait. A rollback (a deployment
 * with blueGreenRollback) runs the same phases the other way round: blue takes traffic back, the
 * listener is put back exactly as it was, green is taken out.
 */
import type { DeploymentConfig } from '../contracts/deployment-config.js';
import { healthyHostsRule, minimumHealthyCount } from '../contracts/deployment-config.js';
import type { BlueGreenView, ListenerWeight, ResolvedBlueGreen, ShiftStep, TrafficMethod } from '../contracts/blue-green.js';
import { greenSelection, resolveBlueGreen, shiftSteps } from '../contracts/blue-green.js';
import type { LoadBalancerInfo } from '../contracts/deployment.js';
import type { LifecycleEventName } from '../contracts/lifecycle.js';
import { IN_PLACE_EVENTS } from '../contracts/lifecycle.js';
import type { TargetSelection } from '../contracts/targets.js';
import { InPlaceRollout, planInPlace, type InPlacePlan, type RolloutState } from './in-place.js';
import type { DeploymentStrategy, HostOutcome, StepFailureCode, StrategyPlanResult, StrategyRun, StrategyStep } from './strategy.js';

export interface BlueGreenPlan {
  deploymentConfig: DeploymentConfig;
  /** A rollback of an earlier blue/green deployment: no install, traffic goes back. */
  rollback: boolean;
  method: TrafficMethod;
  /** The original hosts (blue). */
  original: string[];
  /** A rollback's replacement hosts (green); a forward deployment finds them with greenSelection. */
  replacement: string[];
  greenSelection?: TargetSelection;
  /** REGISTER_TARGETS: the groups hosts join and leave. */
  targetGroups: string[];
  /** LISTENER_SWITCH and WEIGHTED_SHIFT: the pair and its listener. A rollback knows which group was whose. */
  pair?: { names: [string, string]; listenerArn: string; original?: string; replacement?: string };
  /** A rollback: the listener as it was before the deployment it undoes. */
  restore?: ListenerWeight[];
  ready: ResolvedBlueGreen['ready'];
  blueInstances: ResolvedBlueGreen['blueInstances'];
  shift: ShiftStep[];
  /** COPY_AUTO_SCALING_GROUP: the group copied and its copy's name. */
  copy?: { sourceName: string; copyName: string };
  /** A rollback of a COPY_AUTO_SCALING_GROUP deployment: the copy, deleted once green is out. */
  rollbackCopy?: string;
}

type Phase = 'copyFleet' | 'discoverOriginal' | 'discover' | 'readTraffic' | 'install' | 'ready' | 'allow' | 'shift' | 'afterAllow' | 'block' | 'terminationWait' | 'retire' | 'done';

export interface BlueGreenState {
  phase: Phase;
  /** The original hosts (the plan's, or a copied Auto Scaling group's source instances). */
  original: string[];
  /** COPY_AUTO_SCALING_GROUP: the copy's instances, once made. */
  copiedInstances?: string[];
  /** Every replacement host, and those that installed and take traffic. */
  green: string[];
  serving: string[];
  installPlan?: InPlacePlan;
  install?: RolloutState;
  /** Hosts of the current host phase not started yet, those in flight, and how many may be at once. */
  queue: string[];
  inFlight: string[];
  batch?: number;
  /** Hosts that failed, in any phase. */
  failed: string[];
  failure?: { message: string; code?: StepFailureCode };
  stopped?: string;
  /** The pair's live (original) group and the replacement's. */
  liveGroup?: string;
  greenGroup?: string;
  listenerBefore?: ListenerWeight[];
  listenerCurrent?: ListenerWeight[];
  shiftIndex: number;
  /** The current shift step's weights are set and its hold (bake) is due. */
  holding: boolean;
  /** A step that is not a host step was handed out and awaits stepDone. */
  awaiting: boolean;
  rerouted: boolean;
  terminationWaitStarted: boolean;
  originals?: 'TERMINATED' | 'KEPT_ALIVE';
  notTerminated?: string[];
}

const INSTALL_EVENTS: LifecycleEventName[] = [...IN_PLACE_EVENTS];
const ALLOW_EVENTS: LifecycleEventName[] = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const BLOCK_EVENTS: LifecycleEventName[] = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];

/** CodeDeploy's name for a copied Auto Scaling group (at most 255 characters). */
export function copiedGroupName(deploymentGroupName: string, deploymentId: string): string {
  return `CodeDeploy_${deploymentGroupName}_${deploymentId}`.slice(0, 255);
}

/** The traffic method a load balancer configuration gives. */
export function trafficMethodOf(info: LoadBalancerInfo | undefined, routing: ResolvedBlueGreen['routing']): TrafficMethod {
  if (!info?.targetGroupPairInfoList) return 'REGISTER_TARGETS';
  return routing.type === 'AllAtOnce' ? 'LISTENER_SWITCH' : 'WEIGHTED_SHIFT';
}

export function planBlueGreen(config: DeploymentConfig, targets: readonly { hostId: string }[], options: Parameters<DeploymentStrategy<BlueGreenPlan, BlueGreenState>['plan']>[2]): StrategyPlanResult<BlueGreenPlan> {
  const deployment = options.deployment ?? {};
  const resolved = resolveBlueGreen(deployment.blueGreenDeploymentConfiguration);
  const info = deployment.loadBalancerInfo;
  const method = trafficMethodOf(info, resolved.routing);
  const pairInfo = info?.targetGroupPairInfoList?.[0];
  const names = pairInfo?.targetGroups.map((g) => g.name) as [string, string] | undefined;
  const rollback = deployment.blueGreenRollback;
  const selected = targets.map((t) => t.hostId);
  const plan: BlueGreenPlan = {
    deploymentConfig: config,
    rollback: rollback !== undefined,
    method: rollback?.trafficMethod ?? method,
    original: rollback ? rollback.originalHosts.filter((h) => selected.includes(h)) : selected,
    replacement: rollback ? rollback.replacementHosts.filter((h) => selected.includes(h)) : [],
    ...(rollback ? {} : { greenSelection: greenSelection(deployment.targetInstances ?? {}) }),
    targetGroups: (info?.targetGroupInfoList ?? []).map((g) => g.name),
    ...(names && pairInfo ? { pair: { names, listenerArn: pairInfo.prodTrafficRoute.listenerArns[0] as string } } : {}),
    ready: resolved.ready,
    blueInstances: resolved.blueInstances,
    shift: shiftSteps(resolved.routing),
    ...(!rollback && resolved.greenFleet === 'COPY_AUTO_SCALING_GROUP' && deployment.autoScalingGroups?.[0]
      ? { copy: { sourceName: deployment.autoScalingGroups[0], copyName: copiedGroupName(options.deploymentGroupName ?? '', options.deploymentId ?? '') } }
      : {}),
    ...(rollback?.copiedAutoScalingGroup ? { rollbackCopy: rollback.copiedAutoScalingGroup } : {}),
  };
  if (rollback) {
    if (rollback.trafficMethod === 'REGISTER_TARGETS') plan.targetGroups = rollback.originalTargetGroups;
    if (rollback.listener) {
      plan.pair = { names: [rollback.originalTargetGroups[0] ?? '', rollback.replacementTargetGroups[0] ?? ''], listenerArn: rollback.listener.listenerArn, original: rollback.originalTargetGroups[0], replacement: rollback.replacementTargetGroups[0] };
      plan.restore = rollback.listener.before;
    }
    if (plan.original.length === 0) return { ok: false, code: 'NO_INSTANCES', message: `The rollback of ${rollback.triggeringDeploymentId} has no original hosts left to take traffic back.` };
  }
  return { ok: true, plan };
}

function failedHere(state: BlueGreenState, message: string, code?: StepFailureCode): void {
  state.failure ??= { message, ...(code ? { code } : {}) };
}

export function runBlueGreen(plan: BlueGreenPlan, saved?: BlueGreenState): StrategyRun<BlueGreenState> {
  const state: BlueGreenState = saved ?? {
    phase: plan.rollback ? 'allow' : plan.copy ? 'copyFleet' : 'discover',
    original: [...plan.original],
    green: [...plan.replacement],
    serving: plan.rollback ? [...plan.original] : [],
    queue: plan.rollback ? [...plan.original] : [],
    inFlight: [],
    failed: [],
    shiftIndex: 0,
    holding: false,
    awaiting: false,
    rerouted: false,
    terminationWaitStarted: false,
    ...(plan.pair?.original ? { liveGroup: plan.pair.original, greenGroup: plan.pair.replacement } : {}),
  };
  const rollout = (): InPlaceRollout | undefined => (state.installPlan ? new InPlaceRollout(state.installPlan, state.install) : undefined);
  const pairMethod = plan.method !== 'REGISTER_TARGETS';
  /** Hosts that take traffic, and those that lose it. */
  const taking = (): string[] => (plan.rollback ? state.original : state.serving);
  const losing = (): string[] => (plan.rollback ? state.green : state.original);

  const enter = (phase: Phase): void => {
    state.phase = phase;
    state.queue = phase === 'allow' || phase === 'afterAllow' ? [...taking()] : phase === 'block' ? [...losing()] : [];
    // Hosts gain and lose traffic in batches the configuration allows (OneAtATime: one at a time).
    state.batch = Math.max(1, state.queue.length - minimumHealthyCount(healthyHostsRule(plan.deploymentConfig), state.queue.length));
  };
  const afterInstall = (): void => enter(plan.ready.action === 'STOP_DEPLOYMENT' ? 'ready' : 'allow');
  const afterAllow = (): void => enter(pairMethod ? 'shift' : 'block');
  const afterBlock = (): void => enter(plan.rollback ? (plan.rollbackCopy ? 'retire' : 'done') : 'terminationWait');

  /** The host phase's step: its events, child suffix and target groups. */
  const hostStep = (hostIds: string[]): StrategyStep => {
    const phase = state.phase;
    if (phase === 'allow') {
      const groups = pairMethod ? [plan.rollback ? (state.liveGroup as string) : (state.greenGroup as string)] : plan.targetGroups;
      return { kind: 'deployHosts', hostIds, events: pairMethod ? ALLOW_EVENTS.slice(0, 2) : ALLOW_EVENTS, phase: 'allow-traffic', targetGroupNames: groups };
    }
    if (phase === 'afterAllow') return { kind: 'deployHosts', hostIds, events: ['AfterAllowTraffic'], phase: 'after-allow-traffic' };
    const groups = pairMethod ? [plan.rollback ? (state.greenGroup as string) : (state.liveGroup as string)] : plan.targetGroups;
    return { kind: 'deployHosts', hostIds, events: BLOCK_EVENTS, phase: 'block-traffic', targetGroupNames: groups };
  };

  /** The weights of the current shift step (or of the rollback's restore). */
  const weightsNow = (): ListenerWeight[] => {
    if (plan.rollback) return plan.restore ?? [{ targetGroupName: state.liveGroup as string, weight: 1 }];
    const step = plan.shift[state.shiftIndex] as ShiftStep;
    if (step.greenPercent >= 100) return [{ targetGroupName: state.greenGroup as string, weight: 1 }];
    return [
      { targetGroupName: state.liveGroup as string, weight: 100 - step.greenPercent },
      { targetGroupName: state.greenGroup as string, weight: step.greenPercent },
    ];
  };

  const next = (limit: number): StrategyStep[] => {
    if (state.awaiting) return [{ kind: 'waitForHosts' }];
    for (;;) {
      if (state.failure && state.inFlight.length === 0 && (rollout()?.state.inFlight.length ?? 0) === 0) {
        return [{ kind: 'failed', message: state.failure.message, ...(state.failure.code ? { code: state.failure.code } : {}) }];
      }
      if (state.stopped) return [{ kind: 'stopped', message: state.stopped }];
      switch (state.phase) {
        case 'copyFleet': {
          state.awaiting = true;
          const copy = plan.copy as NonNullable<BlueGreenPlan['copy']>;
          return [{ kind: 'copyFleet', sourceName: copy.sourceName, copyName: copy.copyName }];
        }
        case 'discoverOriginal':
          state.awaiting = true;
          return [{ kind: 'selectTargets', selection: { targetHosts: [...state.original] }, instanceLabel: 'Blue' }];
        case 'discover':
          state.awaiting = true;
          if (plan.copy) return [{ kind: 'selectTargets', selection: { targetHosts: state.copiedInstances ?? [] }, instanceLabel: 'Green', waitForRegistration: true }];
          return [{ kind: 'selectTargets', selection: plan.greenSelection ?? {}, instanceLabel: 'Green' }];
        case 'readTraffic':
          state.awaiting = true;
          return [{ kind: 'readTraffic', listenerArn: (plan.pair as NonNullable<BlueGreenPlan['pair']>).listenerArn }];
        case 'install': {
          const install = rollout() as InPlaceRollout;
          const hostIds = install.startable(limit);
          const steps: StrategyStep[] = hostIds.length > 0 ? [{ kind: 'deployHosts', hostIds, events: INSTALL_EVENTS, phase: 'install' }] : [];
          const verdict = install.verdict();
          if (verdict.kind === 'running') return [...steps, { kind: 'waitForHosts' }];
          if (verdict.kind === 'zoneDone') return [...steps, { kind: 'bake', seconds: verdict.monitorSeconds }];
          if (verdict.kind === 'failed') {
            failedHere(state, `${verdict.message} The replacement hosts did not install the revision; traffic stays on the original hosts.`);
            continue;
          }
          afterInstall();
          continue;
        }
        case 'ready':
          state.awaiting = true;
          return [{ kind: 'waitForContinue', waitType: 'READY_WAIT', seconds: plan.ready.waitSeconds, readyHosts: [...state.serving] }];
        case 'allow':
        case 'afterAllow':
        case 'block': {
          if (state.failure) return [{ kind: 'waitForHosts' }];
          const room = Math.max(0, Math.min(limit, state.batch ?? limit) - state.inFlight.length);
          const hostIds = state.queue.splice(0, room);
          state.inFlight.push(...hostIds);
          if (state.phase === 'allow' && hostIds.length > 0 && !pairMethod) state.rerouted = true;
          const steps: StrategyStep[] = hostIds.length > 0 ? [hostStep(hostIds)] : [];
          if (state.inFlight.length > 0 || state.queue.length > 0) return [...steps, { kind: 'waitForHosts' }];
          if (state.phase === 'allow') afterAllow();
          else if (state.phase === 'afterAllow') enter('block');
          else afterBlock();
          continue;
        }
        case 'shift': {
          if (state.holding) {
            const step = plan.shift[state.shiftIndex] as ShiftStep;
            return [{ kind: 'bake', seconds: step.holdSeconds, detail: `${step.greenPercent}% on ${state.greenGroup}` }];
          }
          const last = plan.rollback || state.shiftIndex >= plan.shift.length;
          if (last && state.listenerCurrent) {
            enter('afterAllow');
            continue;
          }
          state.awaiting = true;
          state.rerouted = true;
          const weights = weightsNow();
          const detail = plan.rollback ? 'restore the listener' : `${(plan.shift[state.shiftIndex] as ShiftStep).greenPercent}% to ${state.greenGroup}`;
          return [{ kind: 'moveTraffic', listenerArn: (plan.pair as NonNullable<BlueGreenPlan['pair']>).listenerArn, weights, detail }];
        }
        case 'terminationWait':
          if (state.original.length === 0) {
            state.phase = 'done';
            continue;
          }
          if (plan.blueInstances.action === 'KEEP_ALIVE') {
            state.phase = 'retire';
            continue;
          }
          state.awaiting = true;
          state.terminationWaitStarted = true;
          return [{ kind: 'waitForContinue', waitType: 'TERMINATION_WAIT', seconds: plan.blueInstances.waitSeconds }];
        case 'retire':
          state.awaiting = true;
          if (plan.rollback) return [{ kind: 'retireHosts', hostIds: [...state.green], keepAlive: false, autoScalingGroups: [plan.rollbackCopy as string] }];
          return [{ kind: 'retireHosts', hostIds: [...state.original], keepAlive: plan.blueInstances.action === 'KEEP_ALIVE', ...(plan.copy ? { autoScalingGroups: [plan.copy.sourceName] } : {}) }];
        case 'done':
          return [{ kind: 'succeeded' }];
      }
    }
  };

  /** What a finished host phase means for the target. */
  const hostOutcome = (hostId: string, succeeded: boolean): HostOutcome => {
    if (state.phase === 'install') {
      const install = rollout() as InPlaceRollout;
      install.finish(hostId, succeeded);
      if (succeeded) state.serving.push(hostId);
      else state.failed.push(hostId);
      return succeeded ? { status: 'InProgress', report: true, final: false } : { status: 'Failed', report: true, final: true };
    }
    state.inFlight = state.inFlight.filter((h) => h !== hostId);
    if (!succeeded) {
      state.failed.push(hostId);
      const what = state.phase === 'block' ? 'could not be taken out of service' : 'could not be given traffic';
      failedHere(state, `The overall deployment failed because ${hostId} ${what} (${plan.rollback ? 'rollback' : state.phase === 'block' ? 'original' : 'replacement'} environment).`);
      return { status: 'Failed', report: false, final: true };
    }
    const final = state.phase === 'block' || (state.phase === 'allow' && !pairMethod) || state.phase === 'afterAllow';
    return { status: final ? 'Succeeded' : 'InProgress', report: false, final };
  };

  return {
    state,
    next,
    stepDone(result) {
      state.awaiting = false;
      switch (result.kind) {
        case 'copyFleet':
          state.original = result.fleet.originalInstanceIds;
          state.copiedInstances = result.fleet.replacementInstanceIds;
          state.phase = state.original.length > 0 ? 'discoverOriginal' : 'discover';
          return;
        case 'selectTargets': {
          if (state.phase === 'discoverOriginal') {
            // The source group's instances whose agents registered are the original environment.
            state.original = result.targets.filter((t) => t.registered !== false).map((t) => t.hostId);
            state.phase = 'discover';
            return;
          }
          const unregistered = result.targets.filter((t) => t.registered === false).map((t) => t.hostId);
          if (unregistered.length > 0) {
            return failedHere(state, `The replacement instances ${unregistered.slice(0, 5).join(', ')}${unregistered.length > 5 ? ', …' : ''} of ${plan.copy?.copyName ?? 'targetInstances'} registered no agent in time (agentTimeouts.scheduleToStartSeconds); start the Gantry agent on them with --host-id <instance ID>.`, 'NO_INSTANCES');
          }
          const ids = result.targets.map((t) => t.hostId);
          state.green = ids;
          const both = ids.filter((id) => state.original.includes(id));
          if (ids.length === 0) return failedHere(state, 'The replacement environment has no hosts: no registered host matches targetInstances.', 'NO_INSTANCES');
          if (both.length > 0) {
            return failedHere(state, `${both.slice(0, 5).join(', ')}${both.length > 5 ? ', …' : ''} ${both.length === 1 ? 'is' : 'are'} in both the original and the replacement environment; targetInstances must select other hosts than the deployment group's.`, 'INVALID_TARGET_INSTANCES');
          }
          const planned = planInPlace(plan.deploymentConfig, result.targets);
          if (!planned.ok) return failedHere(state, planned.message, planned.code === 'NO_INSTANCES' ? 'NO_INSTANCES' : undefined);
          state.installPlan = planned.plan;
          state.install = new InPlaceRollout(planned.plan).state;
          state.phase = plan.pair ? 'readTraffic' : 'install';
          return;
        }
        case 'readTraffic': {
          const pair = plan.pair as NonNullable<BlueGreenPlan['pair']>;
          const live = result.weights.filter((w) => w.weight > 0);
          const foreign = live.filter((w) => !pair.names.includes(w.targetGroupName));
          if (foreign.length > 0 || live.length !== 1) {
            const now = result.weights.map((w) => `${w.targetGroupName} (${w.weight})`).join(', ') || 'nothing';
            return failedHere(state, `The listener ${pair.listenerArn} forwards to ${now}; a blue/green deployment needs it to forward all traffic to one of ${pair.names.join(' and ')} (finish or undo an earlier shift first).`, 'TRAFFIC_CONTROL');
          }
          state.liveGroup = (live[0] as ListenerWeight).targetGroupName;
          state.greenGroup = pair.names.find((n) => n !== state.liveGroup);
          state.listenerBefore = result.weights;
          state.phase = 'install';
          return;
        }
        case 'moveTraffic': {
          state.listenerCurrent = weightsNow();
          if (plan.rollback) return;
          const step = plan.shift[state.shiftIndex] as ShiftStep;
          if (step.holdSeconds > 0) state.holding = true;
          else state.shiftIndex += 1;
          return;
        }
        case 'waitForContinue':
          if (state.phase === 'ready') {
            if (result.timedOut) state.stopped = `No continue-deployment --deployment-wait-type READY_WAIT came within ${plan.ready.waitSeconds}s (STOP_DEPLOYMENT): the replacement hosts were installed and given no traffic.`;
            else enter('allow');
          } else {
            state.phase = 'retire';
          }
          return;
        case 'retireHosts':
          if (plan.rollback) {
            state.phase = 'done';
            return;
          }
          state.originals = plan.blueInstances.action === 'KEEP_ALIVE' ? 'KEPT_ALIVE' : 'TERMINATED';
          if (result.notTerminated.length > 0) state.notTerminated = result.notTerminated;
          state.phase = 'done';
          return;
      }
    },
    hostOutcome,
    hostFinished(hostId, succeeded) {
      hostOutcome(hostId, succeeded);
    },
    bakeFinished() {
      if (state.phase === 'install') {
        (rollout() as InPlaceRollout).advanceZone();
        return;
      }
      state.holding = false;
      state.shiftIndex += 1;
    },
    inFlight: () => state.inFlight.length + (state.phase === 'install' ? (rollout()?.state.inFlight.length ?? 0) : 0),
    failed: () => state.failed.length,
    zone: () => (state.phase === 'install' && state.installPlan?.zonal ? { zone: state.installPlan.zones[state.install?.zone ?? 0]?.zone } : undefined),
    labels: () => Object.fromEntries([...state.original.map((h) => [h, 'Blue' as const]), ...state.green.map((h) => [h, 'Green' as const])]),
    view: (): { blueGreen: BlueGreenView } => ({
      blueGreen: {
        trafficMethod: plan.method,
        originalTargetGroups: pairMethod ? (state.liveGroup ? [state.liveGroup] : []) : plan.targetGroups,
        replacementTargetGroups: pairMethod ? (state.greenGroup ? [state.greenGroup] : []) : plan.targetGroups,
        ...(plan.pair && (state.listenerBefore || plan.restore)
          ? { listener: { listenerArn: plan.pair.listenerArn, before: state.listenerBefore ?? plan.restore ?? [], current: state.listenerCurrent ?? state.listenerBefore ?? [] } }
          : {}),
        trafficRerouted: state.rerouted,
        instanceTerminationWaitTimeStarted: state.terminationWaitStarted,
        ...(state.originals ? { originalInstances: state.originals } : {}),
        ...(state.notTerminated ? { notTerminated: state.notTerminated } : {}),
        originalHosts: [...state.original],
        ...(plan.copy ? { autoScalingGroups: { original: plan.copy.sourceName, replacement: plan.copy.copyName } } : plan.rollbackCopy ? { autoScalingGroups: { original: '', replacement: plan.rollbackCopy } } : {}),
        replacementHosts: [...state.green],
        servingHosts: [...taking()],
      },
    }),
  };
}

export const blueGreen: DeploymentStrategy<BlueGreenPlan, BlueGreenState> = {
  kind: 'BLUE_GREEN',
  plan: (config, targets, options) => planBlueGreen(config, targets, options),
  skipped: () => [],
  run: (plan, state) => runBlueGreen(plan, state),
  hostEvents: () => INSTALL_EVENTS,
};
