/** Blue/green's planner and state machine, driven as the interpreter drives them, without Temporal. */
import { describe, expect, it } from 'vitest';
import { resolveBlueGreen, rollbackOf, shiftSteps, validateBlueGreenConfiguration, validateTargetGroupPairs, validateTargetInstances } from '../../../workflows/contracts/blue-green.js';
import type { BlueGreenDeploymentConfiguration, ListenerWeight } from '../../../workflows/contracts/blue-green.js';
import { findPredefinedConfig, type DeploymentConfig } from '../../../workflows/contracts/deployment-config.js';
import type { DeploymentInput } from '../../../workflows/contracts/deployment.js';
import { validateDeploymentInput } from '../../../workflows/contracts/deployment.js';
import { blueGreen, type BlueGreenPlan, type BlueGreenState } from '../../../workflows/strategies/blue-green.js';
import type { CandidateTarget, StepResult, StrategyRun, StrategyStep } from '../../../workflows/strategies/strategy.js';

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2';
const candidates = (ids: string[]): CandidateTarget[] => ids.map((hostId) => ({ hostId, zone: null, instanceHealth: 'Healthy', revisionHealth: 'Current', installedRevision: null }));
const allAtOnce = findPredefinedConfig('AllAtOnce') as DeploymentConfig;

function plan(deployment: Partial<DeploymentInput>, blue = ['b1', 'b2'], config = allAtOnce): BlueGreenPlan {
  const result = blueGreen.plan(config, candidates(blue), { deployment });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

interface Drive {
  green?: string[];
  listener?: ListenerWeight[];
  failing?: Record<string, string>;
  readyTimesOut?: boolean;
}

/** Runs the machine to its end, answering every step; returns the steps, compactly written. */
function drive(run: StrategyRun<BlueGreenState>, options: Drive = {}): string[] {
  const seen: string[] = [];
  for (let guard = 0; guard < 200; guard += 1) {
    const steps = run.next(10);
    for (const step of steps) {
      seen.push(compact(step));
      if (step.kind === 'deployHosts') {
        for (const host of step.hostIds) run.hostOutcome?.(host, options.failing?.[host] !== step.phase);
      }
    }
    const last = steps.at(-1) as StrategyStep;
    if (last.kind === 'succeeded' || last.kind === 'failed' || last.kind === 'stopped') return seen;
    if (last.kind === 'bake') run.bakeFinished();
    const answer = answerFor(last, options);
    if (answer) run.stepDone?.(answer);
  }
  throw new Error('the run never ended');
}

function answerFor(step: StrategyStep, options: Drive): StepResult | undefined {
  switch (step.kind) {
    case 'selectTargets':
      return { kind: 'selectTargets', targets: candidates(options.green ?? ['g1', 'g2']) };
    case 'readTraffic':
      return { kind: 'readTraffic', weights: options.listener ?? [{ targetGroupName: 'web-a', weight: 1 }] };
    case 'moveTraffic':
      return { kind: 'moveTraffic' };
    case 'waitForContinue':
      return { kind: 'waitForContinue', timedOut: options.readyTimesOut === true && step.waitType === 'READY_WAIT' };
    case 'retireHosts':
      return { kind: 'retireHosts', notTerminated: [] };
    default:
      return undefined;
  }
}

/** A step in a few characters, for comparing whole runs. */
function compact(step: StrategyStep): string {
  switch (step.kind) {
    case 'deployHosts':
      return `${step.phase}:${step.hostIds.join(',')}:${(step.events ?? []).join('+')}${step.targetGroupNames ? `@${step.targetGroupNames.join(',')}` : ''}`;
    case 'moveTraffic':
      return `move:${step.weights.map((w) => `${w.targetGroupName}=${w.weight}`).join(',')}`;
    case 'waitForContinue':
      return `wait:${step.waitType}:${step.seconds}${step.readyHosts ? `:ready=${step.readyHosts.join(',')}` : ''}`;
    case 'retireHosts':
      return `retire:${step.hostIds.join(',')}:${step.keepAlive ? 'keep' : 'terminate'}`;
    case 'bake':
      return `bake:${step.seconds}`;
    case 'failed':
      return `failed:${step.code ?? 'HEALTH_CONSTRAINTS'}`;
    default:
      return step.kind;
  }
}

const bg = (config: BlueGreenDeploymentConfiguration = {}): Partial<DeploymentInput> => ({ blueGreenDeploymentConfiguration: config, targetInstances: { targetHosts: ['g1', 'g2'] }, loadBalancerInfo: { targetGroupInfoList: [{ name: 'web' }] } });
const pairs = (config: BlueGreenDeploymentConfiguration = {}): Partial<DeploymentInput> => ({
  ...bg(config),
  loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'web-a' }, { name: 'web-b' }], prodTrafficRoute: { listenerArns: [LISTENER] } }] },
});
const INSTALL = 'ApplicationStop+DownloadBundle+BeforeInstall+Install+AfterInstall+ApplicationStart+ValidateService';

describe('workflows/strategies/blue-green: the phases in order', () => {
  it('REGISTER_TARGETS, KEEP_ALIVE: install green, register it, deregister blue, keep blue', () => {
    const run = blueGreen.run(plan(bg()));
    expect(drive(run)).toEqual([
      'selectTargets',
      `install:g1,g2:${INSTALL}`, 'waitForHosts',
      'allow-traffic:g1,g2:BeforeAllowTraffic+AllowTraffic+AfterAllowTraffic@web', 'waitForHosts',
      'block-traffic:b1,b2:BeforeBlockTraffic+BlockTraffic+AfterBlockTraffic@web', 'waitForHosts',
      'retire:b1,b2:keep', 'succeeded',
    ]);
    expect(run.labels?.()).toEqual({ b1: 'Blue', b2: 'Blue', g1: 'Green', g2: 'Green' });
    expect(run.view?.().blueGreen).toMatchObject({ originalInstances: 'KEPT_ALIVE', servingHosts: ['g1', 'g2'], trafficRerouted: true });
  });

  it('a listener switch with a Ready wait and TERMINATE: read the pair, wait, switch, then the termination wait', () => {
    const run = blueGreen.run(plan(pairs({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 5 }, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 10 } })));
    expect(drive(run)).toEqual([
      'selectTargets', 'readTraffic',
      `install:g1,g2:${INSTALL}`, 'waitForHosts',
      'wait:READY_WAIT:300:ready=g1,g2',
      'allow-traffic:g1,g2:BeforeAllowTraffic+AllowTraffic@web-b', 'waitForHosts',
      'move:web-b=1',
      'after-allow-traffic:g1,g2:AfterAllowTraffic', 'waitForHosts',
      'block-traffic:b1,b2:BeforeBlockTraffic+BlockTraffic+AfterBlockTraffic@web-a', 'waitForHosts',
      'wait:TERMINATION_WAIT:600', 'retire:b1,b2:terminate', 'succeeded',
    ]);
    expect(run.view?.().blueGreen).toMatchObject({ originalTargetGroups: ['web-a'], replacementTargetGroups: ['web-b'], instanceTerminationWaitTimeStarted: true, originalInstances: 'TERMINATED' });
  });

  it('canary: the canary weight, a bake of the interval, then everything on green', () => {
    const run = blueGreen.run(plan(pairs({ trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } } })));
    const steps = drive(run, { listener: [{ targetGroupName: 'web-b', weight: 1 }, { targetGroupName: 'web-a', weight: 0 }] });
    expect(steps.filter((s) => s.startsWith('move') || s.startsWith('bake'))).toEqual(['move:web-b=90,web-a=10', 'bake:300', 'move:web-a=1']);
  });

  it('OneAtATime moves traffic one host at a time, both onto green and off blue', () => {
    const steps = drive(blueGreen.run(plan(bg(), ['b1', 'b2'], findPredefinedConfig('OneAtATime') as DeploymentConfig)));
    expect(steps.filter((s) => s.startsWith('allow-traffic') || s.startsWith('block-traffic')).map((s) => s.split(':').slice(0, 2).join(':'))).toEqual(['allow-traffic:g1', 'allow-traffic:g2', 'block-traffic:b1', 'block-traffic:b2']);
  });

  it('linear steps end at 100% whatever the step size', () => {
    expect(shiftSteps({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 30, linearInterval: 1 } }).map((s) => `${s.greenPercent}/${s.holdSeconds}`)).toEqual(['30/60', '60/60', '90/60', '100/0']);
    expect(shiftSteps({ type: 'AllAtOnce' })).toEqual([{ greenPercent: 100, holdSeconds: 0 }]);
  });

  it('a Ready wait that times out ends Stopped before any traffic moves', () => {
    const steps = drive(blueGreen.run(plan(bg({ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 1 } }))), { readyTimesOut: true });
    expect(steps.at(-1)).toBe('stopped');
    expect(steps.some((s) => s.startsWith('allow-traffic'))).toBe(false);
  });
});

describe('workflows/strategies/blue-green: edge cases', () => {
  it('an empty replacement fleet fails with NO_INSTANCES; a host in both fleets with INVALID_TARGET_INSTANCES', () => {
    expect(drive(blueGreen.run(plan(bg())), { green: [] }).at(-1)).toBe('failed:NO_INSTANCES');
    expect(drive(blueGreen.run(plan(bg())), { green: ['g1', 'b2'] }).at(-1)).toBe('failed:INVALID_TARGET_INSTANCES');
  });

  it('green smaller than blue still serves; blue is retired whole', () => {
    const steps = drive(blueGreen.run(plan(bg(), ['b1', 'b2', 'b3'])), { green: ['g1'] });
    expect(steps).toContain('block-traffic:b1,b2,b3:BeforeBlockTraffic+BlockTraffic+AfterBlockTraffic@web');
    expect(steps.at(-1)).toBe('succeeded');
  });

  it('no original hosts (a first deployment): nothing to take out, nothing to retire', () => {
    const steps = drive(blueGreen.run(plan(bg({ terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 } }), [])));
    expect(steps.filter((s) => s.startsWith('block') || s.startsWith('wait:') || s.startsWith('retire'))).toEqual([]);
    expect(steps.at(-1)).toBe('succeeded');
  });

  it('a listener that is mid-shift or forwards elsewhere is refused before anything is installed', () => {
    const split = drive(blueGreen.run(plan(pairs())), { listener: [{ targetGroupName: 'web-a', weight: 50 }, { targetGroupName: 'web-b', weight: 50 }] });
    expect(split).toEqual(['selectTargets', 'readTraffic', 'failed:TRAFFIC_CONTROL']);
    expect(drive(blueGreen.run(plan(pairs())), { listener: [{ targetGroupName: 'other', weight: 1 }] }).at(-1)).toBe('failed:TRAFFIC_CONTROL');
  });

  it('a failure in any host phase after install fails the deployment and starts nothing more', () => {
    const steps = drive(blueGreen.run(plan(pairs())), { failing: { g2: 'after-allow-traffic' } });
    expect(steps.at(-1)).toBe('failed:HEALTH_CONSTRAINTS');
    expect(steps.some((s) => s.startsWith('block-traffic'))).toBe(false);
    const blocked = drive(blueGreen.run(plan(bg())), { failing: { b1: 'block-traffic' } });
    expect(blocked.at(-1)).toBe('failed:HEALTH_CONSTRAINTS');
    expect(blocked.some((s) => s.startsWith('retire'))).toBe(false);
  });

  it('a rollback: blue takes traffic back, the listener is restored exactly, green is taken out; no install', () => {
    const forward = blueGreen.run(plan(pairs({ trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } } })));
    drive(forward, { failing: { g1: 'after-allow-traffic' } });
    const undo = rollbackOf('d-AAAAAAAAA', forward.view?.().blueGreen);
    expect(undo).toMatchObject({ originalHosts: ['b1', 'b2'], replacementHosts: ['g1', 'g2'], listener: { before: [{ targetGroupName: 'web-a', weight: 1 }] } });
    const steps = drive(blueGreen.run(plan({ ...pairs(), blueGreenRollback: undo }, ['b1', 'b2', 'g1', 'g2'])));
    expect(steps).toEqual([
      'allow-traffic:b1,b2:BeforeAllowTraffic+AllowTraffic@web-a', 'waitForHosts',
      'move:web-a=1',
      'after-allow-traffic:b1,b2:AfterAllowTraffic', 'waitForHosts',
      'block-traffic:g1,g2:BeforeBlockTraffic+BlockTraffic+AfterBlockTraffic@web-b', 'waitForHosts',
      'succeeded',
    ]);
  });

  it('nothing to roll back once the originals were terminated', () => {
    const run = blueGreen.run(plan(bg({ terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' } })));
    drive(run);
    expect(rollbackOf('d-AAAAAAAAA', run.view?.().blueGreen)).toBeUndefined();
  });
});

describe('workflows/contracts/blue-green: settings as CodeDeploy names and limits them', () => {
  it('defaults: DISCOVER_EXISTING, reroute at once, keep the originals, switch all at once', () => {
    expect(resolveBlueGreen(undefined)).toEqual({ greenFleet: 'DISCOVER_EXISTING', ready: { action: 'CONTINUE_DEPLOYMENT', waitSeconds: 0 }, blueInstances: { action: 'KEEP_ALIVE', waitSeconds: 0 }, routing: { type: 'AllAtOnce' } });
  });

  it.each([
    [{ deploymentReadyOption: { actionOnTimeout: 'LATER' } }, /actionOnTimeout must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT; got "LATER"/],
    [{ deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 2881 } }, /waitTimeInMinutes must be a number of minutes from 0 to 2880/],
    [{ deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 5 } }, /applies only to STOP_DEPLOYMENT/],
    [{ terminateBlueInstancesOnDeploymentSuccess: { action: 'DESTROY' } }, /action must be TERMINATE or KEEP_ALIVE/],
    [{ terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0.001 } }, /in whole seconds; got 0.001/],
    [{ greenFleetProvisioningOption: { action: 'BUY_MORE' } }, /DISCOVER_EXISTING or COPY_AUTO_SCALING_GROUP/],
    [{ trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } } }, /canaryPercentage must be a whole percentage from 1 to 99/],
    [{ trafficRoutingConfig: { type: 'TimeBasedLinear' } }, /timeBasedLinear must be/],
    [{ surprise: true }, /surprise is not a known setting/],
  ])('refuses %j, naming the field', (config, message) => {
    expect(validateBlueGreenConfiguration(config, true).join('; ')).toMatch(message);
  });

  it('weighted shifting needs a target group pair', () => {
    expect(validateBlueGreenConfiguration({ trafficRoutingConfig: { type: 'AllAtOnce' } }, false).join()).toMatch(/needs loadBalancerInfo.targetGroupPairInfoList/);
  });

  it('a pair is two different groups and one listener ARN', () => {
    expect(validateTargetGroupPairs([{ targetGroups: [{ name: 'a' }, { name: 'b' }], prodTrafficRoute: { listenerArns: [LISTENER] } }])).toEqual([]);
    expect(validateTargetGroupPairs([{ targetGroups: [{ name: 'a' }, { name: 'a' }], prodTrafficRoute: { listenerArns: [LISTENER] } }]).join()).toMatch(/names "a" twice/);
    expect(validateTargetGroupPairs([{ targetGroups: [{ name: 'a' }, { name: 'b' }], prodTrafficRoute: { listenerArns: ['listener-1'] } }]).join()).toMatch(/one ELBv2 listener or listener rule ARN/);
    expect(validateTargetGroupPairs([]).join()).toMatch(/exactly one target group pair/);
  });

  it('targetInstances: CodeDeploy\'s tag filters or tag set (not both), or host IDs', () => {
    expect(validateTargetInstances({ tagFilters: [{ Key: 'fleet', Value: 'green', Type: 'KEY_AND_VALUE' }] })).toEqual([]);
    expect(validateTargetInstances({ ec2TagSet: { ec2TagSetList: [[{ Key: 'fleet', Type: 'KEY_ONLY' }]] } })).toEqual([]);
    expect(validateTargetInstances({ tagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }], ec2TagSet: { ec2TagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] } }).join()).toMatch(/not both/);
    expect(validateTargetInstances({}).join()).toMatch(/targets are required/);
  });

  it('a deployment: blue/green fields only on BLUE_GREEN, and DISCOVER_EXISTING needs targetInstances', () => {
    const base = { applicationName: 'app', deploymentGroupName: 'g', revision: { revisionType: 'Local', local: { path: '/x' } }, targetHosts: ['b1'] };
    const style = { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' };
    const lb = { targetGroupInfoList: [{ name: 'web' }] };
    expect(validateDeploymentInput({ ...base, targetInstances: { targetHosts: ['g1'] } }).join()).toMatch(/targetInstances applies only to blue\/green/);
    expect(validateDeploymentInput({ ...base, deploymentStyle: style, loadBalancerInfo: lb }).join()).toMatch(/needs targetInstances/);
    expect(validateDeploymentInput({ ...base, deploymentStyle: style, loadBalancerInfo: lb, targetInstances: { targetHosts: ['g1'] } })).toEqual([]);
    expect(validateDeploymentInput({ ...base, deploymentStyle: style })).toEqual(['deploymentStyle.deploymentOption WITH_TRAFFIC_CONTROL needs loadBalancerInfo: the target groups hosts leave while they are deployed', 'a blue/green deployment with DISCOVER_EXISTING needs targetInstances: the replacement hosts (tagFilters, ec2TagSet or targetHosts)']);
    const copy = { ...base, targetHosts: undefined, deploymentStyle: style, loadBalancerInfo: lb, blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } } };
    expect(validateDeploymentInput({ ...copy, autoScalingGroups: ['web'] })).toEqual([]);
    expect(validateDeploymentInput({ ...copy }).join()).toMatch(/autoScalingGroups must name exactly one/);
    expect(validateDeploymentInput({ ...copy, autoScalingGroups: ['web'], targetInstances: { targetHosts: ['g1'] } }).join()).toMatch(/targetInstances applies to DISCOVER_EXISTING/);
    expect(validateDeploymentInput({ ...base, autoScalingGroups: ['web'] }).join()).toMatch(/autoScalingGroups is used by blue\/green COPY_AUTO_SCALING_GROUP only/);
    const pairOnInPlace = { ...base, loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'a' }, { name: 'b' }], prodTrafficRoute: { listenerArns: [LISTENER] } }] } };
    expect(validateDeploymentInput(pairOnInPlace).join()).toMatch(/targetGroupPairInfoList applies only to blue\/green/);
  });
});
