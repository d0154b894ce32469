/** Lambda deployments without Temporal: the AppSpec, configurations, input rules and the state machine. */
import { describe, expect, it } from 'vitest';
import { parseLambdaAppSpec } from '../../../activities/lambda-appspec.js';
import { findPredefinedConfig, PREDEFINED_CONFIGS, platformMismatch, validateCustomConfig, type DeploymentConfig } from '../../../workflows/contracts/deployment-config.js';
import { validateDeploymentInput } from '../../../workflows/contracts/deployment.js';
import { validateGroupConfig } from '../../../workflows/contracts/deployment-group.js';
import type { LambdaAppSpec } from '../../../workflows/contracts/lambda.js';
import { lambda, type LambdaState } from '../../../workflows/strategies/lambda.js';
import type { StepResult, StrategyRun, StrategyStep } from '../../../workflows/strategies/strategy.js';
import { parseNestedShorthand } from '../../../workers/cli/args.js';
import { applicationIdOf, groupPlatformMismatch, validateCreateApplication } from '../../../workflows/contracts/applications.js';

const APPSPEC = `version: 0.0
Resources:
  - myFunction:
      Type: AWS::Lambda::Function
      Properties:
        Name: "checkout"
        Alias: "live"
        CurrentVersion: "1"
        TargetVersion: "2"
Hooks:
  - BeforeAllowTraffic: "checkout-before"
  - AfterAllowTraffic: "checkout-after"
`;

describe('activities/lambda-appspec', () => {
  it('reads the documented YAML example', () => {
    expect(parseLambdaAppSpec(APPSPEC)).toEqual({
      ok: true,
      appSpec: { logicalName: 'myFunction', functionName: 'checkout', alias: 'live', currentVersion: '1', targetVersion: '2', hooks: { BeforeAllowTraffic: 'checkout-before', AfterAllowTraffic: 'checkout-after' } },
    });
  });

  it('reads JSON, lower-case keys and numeric versions alike', () => {
    const json = JSON.stringify({ version: 0.0, resources: [{ fn: { type: 'AWS::Lambda::Function', properties: { name: 'arn:aws:lambda:us-east-1:123456789012:function:checkout', alias: 'live', currentversion: 3, targetversion: 4 } } }] });
    const parsed = parseLambdaAppSpec(json);
    expect(parsed.ok && parsed.appSpec).toMatchObject({ functionName: 'arn:aws:lambda:us-east-1:123456789012:function:checkout', currentVersion: '3', targetVersion: '4', hooks: {} });
  });

  it.each([
    ['two functions', APPSPEC.replace('Hooks:', '  - other:\n      Type: AWS::Lambda::Function\n      Properties: {Name: b, Alias: live, CurrentVersion: 1, TargetVersion: 2}\nHooks:'), /deploys one Lambda function; Resources lists 2 \(myFunction, other\)/],
    ['no Resources', 'version: 0.0\n', /Resources is required/],
    ['a wrong version', APPSPEC.replace('version: 0.0', 'version: 1'), /version must be 0\.0; got 1/],
    ['$LATEST as a version', APPSPEC.replace('TargetVersion: "2"', 'TargetVersion: "$LATEST"'), /TargetVersion must be a published version number/],
    ['the same versions', APPSPEC.replace('TargetVersion: "2"', 'TargetVersion: "1"'), /TargetVersion is the same as CurrentVersion \(1\)/],
    ['an alias that is a number', APPSPEC.replace('Alias: "live"', 'Alias: "7"'), /Alias must be a Lambda alias name/],
    ['a server hook', APPSPEC.replace('AfterAllowTraffic: "checkout-after"', 'AfterInstall: "x"'), /AfterInstall is not a Lambda hook/],
    ['a hook twice', `${APPSPEC}  - BeforeAllowTraffic: "again"\n`, /names BeforeAllowTraffic twice/],
    ['a wrong type', APPSPEC.replace('AWS::Lambda::Function', 'AWS::ECS::Service'), /Type must be AWS::Lambda::Function/],
    ['a typo in a key', APPSPEC.replace('Hooks:', 'Hook:'), /Hook is not a Lambda AppSpec key/],
    ['not YAML', 'version: [0.0', /not valid YAML or JSON/],
  ])('refuses %s, naming it', (_name, text, message) => {
    const parsed = parseLambdaAppSpec(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problems.join('; ')).toMatch(message);
  });
});

describe('Lambda deployment configurations', () => {
  it('has every predefined CodeDeployDefault.Lambda* configuration, with its shift', () => {
    const lambdaConfigs = PREDEFINED_CONFIGS.filter((c) => c.computePlatform === 'Lambda').map((c) => c.deploymentConfigName.replace('CodeDeployDefault.', ''));
    expect(lambdaConfigs).toEqual([
      'LambdaCanary10Percent5Minutes',
      'LambdaCanary10Percent10Minutes',
      'LambdaCanary10Percent15Minutes',
      'LambdaCanary10Percent30Minutes',
      'LambdaLinear10PercentEvery1Minute',
      'LambdaLinear10PercentEvery2Minutes',
      'LambdaLinear10PercentEvery3Minutes',
      'LambdaLinear10PercentEvery10Minutes',
      'LambdaAllAtOnce',
    ]);
    expect(findPredefinedConfig(undefined, 'Lambda')?.deploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
    expect(findPredefinedConfig(undefined)?.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime');
  });

  it('keeps Server and Lambda configurations apart', () => {
    const canary = findPredefinedConfig('LambdaCanary10Percent5Minutes') as DeploymentConfig;
    expect(platformMismatch(canary, 'Lambda')).toBeUndefined();
    expect(platformMismatch(canary, 'Server')).toMatch(/is for the Lambda compute platform and cannot be used by a Server deployment/);
    expect(platformMismatch(findPredefinedConfig('OneAtATime') as DeploymentConfig, 'Lambda')).toMatch(/is for the Server compute platform .* use a CodeDeployDefault\.Lambda\* configuration/);
  });

  it.each([
    ['a canary', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 15 } }, ''],
    ['a linear shift', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 0.05 } }, ''],
    ['all at once', { type: 'AllAtOnce' }, ''],
    ['100 percent', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } }, 'canaryPercentage must be a whole percentage from 1 to 99'],
    ['a linear shift over two days', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 1, linearInterval: 30 } }, 'the first and last shift must be at most 2880 minutes apart'],
    ['the wrong part', { type: 'TimeBasedCanary', timeBasedLinear: { linearPercentage: 10, linearInterval: 1 } }, 'timeBasedLinear is only for type TimeBasedLinear'],
  ])('checks custom Lambda configurations: %s', (_name, trafficRoutingConfig, message) => {
    const problems = validateCustomConfig({ deploymentConfigName: 'Mine', computePlatform: 'Lambda', trafficRoutingConfig }).join('; ');
    if (message) expect(problems).toContain(message);
    else expect(problems).toBe('');
  });

  it('refuses Server settings on Lambda configurations and the other way round', () => {
    expect(validateCustomConfig({ deploymentConfigName: 'M', computePlatform: 'Lambda', trafficRoutingConfig: { type: 'AllAtOnce' }, minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }).join()).toMatch(/minimumHealthyHosts is for Server configurations/);
    expect(validateCustomConfig({ deploymentConfigName: 'M', computePlatform: 'Lambda' }).join()).toMatch(/needs trafficRoutingConfig/);
    expect(validateCustomConfig({ deploymentConfigName: 'M', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 }, trafficRoutingConfig: { type: 'AllAtOnce' } }).join()).toMatch(/trafficRoutingConfig is for Lambda configurations/);
    expect(validateCustomConfig({ deploymentConfigName: 'M', computePlatform: 'ECS', trafficRoutingConfig: { type: 'AllAtOnce' } }).join()).toMatch(/computePlatform must be Server or Lambda/);
  });

  it('reads the aws CLI shorthand for a traffic routing configuration', () => {
    expect(parseNestedShorthand('--traffic-routing-config', 'type=TimeBasedCanary,timeBasedCanary={canaryPercentage=10,canaryInterval=5}')).toEqual({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } });
    expect(parseNestedShorthand('--traffic-routing-config', 'type=AllAtOnce')).toEqual({ type: 'AllAtOnce' });
    expect(() => parseNestedShorthand('--traffic-routing-config', 'type=TimeBasedCanary,timeBasedCanary={canaryPercentage=10')).toThrow(/expects key=value pairs/);
  });
});

describe('Lambda deployment input', () => {
  const inline = { revisionType: 'AppSpecContent', appSpecContent: { content: APPSPEC } };
  const base = { applicationName: 'shop', deploymentGroupName: 'checkout', computePlatform: 'Lambda', revision: inline };

  it('needs no targets and accepts an AppSpec revision', () => {
    expect(validateDeploymentInput(base)).toEqual([]);
    expect(validateDeploymentInput({ ...base, revision: { revisionType: 'S3', s3Location: { bucket: 'revisions', key: 'appspec.yaml', bundleType: 'YAML' } } })).toEqual([]);
    expect(validateDeploymentInput({ ...base, deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute', lambdaHookTimeoutSeconds: 60 })).toEqual([]);
  });

  it.each([
    ['hosts', { targetHosts: ['h1'] }, /targetHosts is a Server setting; a Lambda deployment has no hosts/],
    ['a load balancer', { loadBalancerInfo: { targetGroupInfoList: [{ name: 'web' }] } }, /loadBalancerInfo is a Server setting/],
    ['a Server configuration', { deploymentConfigName: 'CodeDeployDefault.HalfAtATime' }, /is for the Server compute platform/],
    ['an inline Server configuration', { deploymentConfig: { deploymentConfigName: 'M', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } } }, /is for the Server compute platform/],
    ['an archive on a host', { revision: { revisionType: 'Local', local: { path: '/srv/app.tgz' } } }, /Local is for Server deployments/],
    ['a bad digest', { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: APPSPEC, sha256: 'abc' } } }, /appSpecContent\.sha256 must be 64 lower-case hex digits/],
    ['an empty AppSpec', { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: ' ' } } }, /appSpecContent\.content must be the AppSpec's YAML or JSON text/],
    ['a long hook timeout', { lambdaHookTimeoutSeconds: 7200 }, /lambdaHookTimeoutSeconds must be a whole number of seconds from 1 to 3600/],
    ['an in-place style', { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } }, /deploymentStyle is always .*BLUE_GREEN/],
    ['ECS', { computePlatform: 'ECS' }, /computePlatform must be Server or Lambda/],
  ])('refuses %s', (_name, extra, message) => {
    expect(validateDeploymentInput({ ...base, ...extra }).join('; ')).toMatch(message);
  });

  it('refuses Lambda revisions and configurations on Server deployments', () => {
    const server = { applicationName: 'a', deploymentGroupName: 'g', targetHosts: ['h1'] };
    expect(validateDeploymentInput({ ...server, revision: inline }).join()).toMatch(/AppSpecContent is for Lambda deployments/);
    expect(validateDeploymentInput({ ...server, revision: { revisionType: 'S3', s3Location: { bucket: 'revisions', key: 'a.yaml', bundleType: 'YAML' } } }).join()).toMatch(/bundleType YAML is for Lambda deployments/);
    expect(validateDeploymentInput({ ...server, revision: { revisionType: 'Local', local: { path: '/a' } }, deploymentConfigName: 'LambdaAllAtOnce' }).join()).toMatch(/is for the Lambda compute platform/);
    expect(validateDeploymentInput({ ...server, revision: { revisionType: 'Local', local: { path: '/a' } }, lambdaHookTimeoutSeconds: 5 }).join()).toMatch(/lambdaHookTimeoutSeconds applies only to Lambda/);
  });

  it('checks a Lambda deployment group as a group without hosts', () => {
    expect(validateGroupConfig({ applicationName: 'shop', deploymentGroupName: 'checkout', computePlatform: 'Lambda', deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' })).toEqual([]);
    expect(validateGroupConfig({ applicationName: 'shop', deploymentGroupName: 'checkout', computePlatform: 'Lambda', tagFilters: [{ Key: 'a', Value: 'b', Type: 'KEY_AND_VALUE' }] }).join()).toMatch(/tagFilters is a Server setting/);
  });
});

const SPEC: LambdaAppSpec = { logicalName: 'fn', functionName: 'checkout', alias: 'live', currentVersion: '1', targetVersion: '2', hooks: { BeforeAllowTraffic: 'before', AfterAllowTraffic: 'after' } };

function start(configName: string, spec: LambdaAppSpec = SPEC): StrategyRun<LambdaState> {
  let n = 0;
  const planned = lambda.plan(findPredefinedConfig(configName) as DeploymentConfig, [], { newId: () => `id-${(n += 1)}` });
  if (!planned.ok) throw new Error(planned.message);
  const run = lambda.run(planned.plan);
  run.stepDone?.({ kind: 'readLambdaRevision', resolution: { ok: true, appSpec: spec, routing: { functionVersion: '1', additionalVersionWeights: {} } } });
  return run;
}

/** Drives the machine as the interpreter does; hooks answer with `hooks`. Returns the steps, compactly. */
function drive(run: StrategyRun<LambdaState>, hooks: Partial<Record<string, 'Succeeded' | 'Failed'>> = {}): string[] {
  const seen: string[] = [];
  for (let i = 0; i < 50; i += 1) {
    const [step] = run.next(100) as [StrategyStep];
    const at = '2026-12-01T00:00:00.000Z';
    if (step.kind === 'succeeded' || step.kind === 'failed') return [...seen, step.kind === 'failed' ? `failed ${step.code}` : 'succeeded'];
    if (step.kind === 'bake') {
      seen.push(`bake ${step.seconds}`);
      run.bakeFinished();
      continue;
    }
    let result: StepResult;
    if (step.kind === 'routeAlias') {
      const weights = Object.entries(step.routing.additionalVersionWeights).map(([v, w]) => `${v}=${w}`);
      seen.push(`route ${step.routing.functionVersion}${weights.length ? ` ${weights.join(',')}` : ''}`);
      result = { kind: 'routeAlias', at };
    } else if (step.kind === 'invokeHook') {
      seen.push(`hook ${step.lifecycleEventName} ${step.functionName} ${step.lifecycleEventHookExecutionId}`);
      const status = hooks[step.lifecycleEventName] ?? 'Succeeded';
      result = { kind: 'invokeHook', status, message: `it reported ${status}`, startTime: at, endTime: at };
    } else throw new Error(`unexpected ${step.kind}`);
    run.stepDone?.(result);
  }
  throw new Error('the machine did not end');
}

describe('workflows/strategies/lambda', () => {
  it('runs a canary: before hook, 10% for the interval, all traffic, after hook', () => {
    const run = start('LambdaCanary10Percent5Minutes');
    expect(drive(run)).toEqual(['hook BeforeAllowTraffic before id-1', 'route 1 2=0.1', 'bake 300', 'route 2', 'hook AfterAllowTraffic after id-2', 'succeeded']);
    expect(run.view?.().lambda).toMatchObject({ targetVersionWeight: 1, lifecycleEvents: [{ status: 'Succeeded' }, { status: 'Succeeded' }, { status: 'Succeeded' }] });
    expect(run.targets?.()).toEqual([{ targetId: 'checkout:live', status: 'Succeeded' }]);
  });

  it('runs a linear shift in ten steps, each held for the interval', () => {
    const steps = drive(start('LambdaLinear10PercentEvery1Minute', { ...SPEC, hooks: {} }));
    expect(steps.filter((s) => s.startsWith('route'))).toEqual([...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `route 1 2=${i / 10}`), 'route 2']);
    expect(steps.filter((s) => s.startsWith('bake'))).toEqual(Array(9).fill('bake 60'));
  });

  it('moves everything at once with LambdaAllAtOnce', () => {
    expect(drive(start('LambdaAllAtOnce', { ...SPEC, hooks: {} }))).toEqual(['route 2', 'succeeded']);
  });

  it('puts the alias back on CurrentVersion when a validation function fails', () => {
    const run = start('LambdaCanary10Percent5Minutes');
    expect(drive(run, { AfterAllowTraffic: 'Failed' })).toEqual(['hook BeforeAllowTraffic before id-1', 'route 1 2=0.1', 'bake 300', 'route 2', 'hook AfterAllowTraffic after id-2', 'route 1', 'failed HOOK_EXECUTION_FAILURE']);
    expect(run.view?.().lambda?.rollback?.reason).toMatch(/AfterAllowTraffic validation function after failed/);
    expect(run.view?.().lambda?.targetVersionWeight).toBe(0);
  });

  it('says what the revision check found, and moves nothing', () => {
    const planned = lambda.plan(findPredefinedConfig('LambdaAllAtOnce') as DeploymentConfig, [], {});
    const run = lambda.run(planned.ok ? planned.plan : (undefined as never));
    expect(run.next(1)).toEqual([{ kind: 'readLambdaRevision' }]);
    run.stepDone?.({ kind: 'readLambdaRevision', resolution: { ok: false, code: 'INVALID_LAMBDA_FUNCTION', message: 'Lambda function checkout does not exist' } });
    expect(run.next(1)).toEqual([{ kind: 'failed', message: 'Lambda function checkout does not exist', code: 'INVALID_LAMBDA_FUNCTION' }]);
  });

  it('winds down a stop: back to CurrentVersion only when asked to roll back', () => {
    const run = start('LambdaCanary10Percent5Minutes', { ...SPEC, hooks: {} });
    expect(run.next(1)[0]).toMatchObject({ kind: 'routeAlias' });
    run.stepDone?.({ kind: 'routeAlias', at: 'now' });
    expect(run.windDown?.({ rollback: false, reason: 'stopped' })).toEqual([]);
    const again = start('LambdaCanary10Percent5Minutes', { ...SPEC, hooks: {} });
    again.next(1);
    again.stepDone?.({ kind: 'routeAlias', at: 'now' });
    expect(again.windDown?.({ rollback: true, reason: 'alarm' })).toEqual([{ kind: 'routeAlias', functionName: 'checkout', alias: 'live', routing: { functionVersion: '1', additionalVersionWeights: {} }, detail: 'back to version 1' }]);
  });

  it('fails naming both problems when the alias cannot be put back either', () => {
    const run = start('LambdaAllAtOnce', { ...SPEC, hooks: {} });
    const [shift] = run.next(1) as [StrategyStep];
    run.stepFailed?.(shift, 'routeAlias failed: throttled');
    const [restore] = run.next(1) as [StrategyStep];
    expect(restore).toMatchObject({ kind: 'routeAlias', detail: 'back to version 1' });
    run.stepFailed?.(restore, 'routeAlias failed: still throttled');
    expect(run.next(1)).toEqual([{ kind: 'failed', code: 'INVALID_LAMBDA_CONFIGURATION', message: 'routeAlias failed: throttled The alias could not be put back on version 1 either: routeAlias failed: still throttled' }]);
  });
});

describe('workflows/contracts/applications', () => {
  it('checks a new application and keeps its groups on its platform', () => {
    expect(validateCreateApplication({ applicationName: 'shop', computePlatform: 'Lambda' })).toEqual([]);
    expect(validateCreateApplication({ applicationName: 'shop/1', computePlatform: 'ECS' }).join('; ')).toMatch(/applicationName must be .*; computePlatform must be Server or Lambda/);
    const app = { applicationName: 'shop', applicationId: applicationIdOf('shop'), computePlatform: 'Lambda' as const, createTime: '' };
    expect(groupPlatformMismatch(app, 'api', undefined)).toBeUndefined();
    expect(groupPlatformMismatch(app, 'api', 'Lambda')).toBeUndefined();
    expect(groupPlatformMismatch(app, 'web', 'Server')).toBe('deployment group web is for the Server compute platform, but application shop is a Lambda application: every group of an application shares its compute platform');
    expect(applicationIdOf('shop')).toBe(applicationIdOf('shop'));
    expect(applicationIdOf('shop')).not.toBe(applicationIdOf('shops'));
  });
});
