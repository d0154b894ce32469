import type { TrafficRoutingConfig } from './blue-green.js';
import { validateTrafficRouting } from './blue-green.js';
import type { ComputePlatform } from './lambda.js';
import { COMPUTE_PLATFORMS } from './lambda.js';
import { NAME_PATTERN } from './naming.js';
import { isRecord, show } from './values.js';

/**
 * Deployment configurations: the predefined ones, custom ones (Server: minimum healthy hosts and an
 * optional zonal configuration; Lambda: how the alias's traffic shifts), their validation, and the
 * minimum-healthy-hosts arithmetic. Pure.
 */
export type MinimumHealthyHosts =
  | { type: 'HOST_COUNT'; value: number }
  | { type: 'FLEET_PERCENT'; value: number }
  /** OneAtATime's rule (not user-settable): all hosts but one stay healthy. */
  | { type: 'MOST_CONCURRENCY'; value: 1 };

/** CodeDeploy's ZonalConfig: one zone at a time, with a bake ("monitor") period after each zone. */
export interface ZonalConfig {
  /** Wait after the first zone; defaults to monitorDurationInSeconds. */
  firstZoneMonitorDurationInSeconds?: number;
  /** Wait after each zone before the next; unset means the next zone starts at once. */
  monitorDurationInSeconds?: number;
  /** Healthy hosts each zone keeps, on top of the fleet-wide minimum. Default 0 percent. */
  minimumHealthyHostsPerZone?: { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number };
}

export interface DeploymentConfig {
  deploymentConfigName: string;
  /** Server (the default) or Lambda; a configuration is used only by deployments of its platform. */
  computePlatform?: ComputePlatform;
  /** Server configurations: how many hosts stay healthy. */
  minimumHealthyHosts?: MinimumHealthyHosts;
  zonalConfig?: ZonalConfig;
  /** Lambda configurations: how traffic moves to the target version (canary, linear, all at once). */
  trafficRoutingConfig?: TrafficRoutingConfig;
}

/** The platform a configuration is for. */
export function platformOf(config: Pick<DeploymentConfig, 'computePlatform'>): ComputePlatform {
  return config.computePlatform ?? 'Server';
}

/** A Server configuration's rule (a configuration without one keeps no host healthy: AllAtOnce's). */
export function healthyHostsRule(config: DeploymentConfig): MinimumHealthyHosts {
  return config.minimumHealthyHosts ?? { type: 'HOST_COUNT', value: 0 };
}

export const PREDEFINED_PREFIX = 'CodeDeployDefault.';

const lambdaCanary = (minutes: number): DeploymentConfig => ({
  deploymentConfigName: `${PREDEFINED_PREFIX}LambdaCanary10Percent${minutes}Minutes`,
  computePlatform: 'Lambda',
  trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: minutes } },
});
const lambdaLinear = (minutes: number): DeploymentConfig => ({
  deploymentConfigName: `${PREDEFINED_PREFIX}LambdaLinear10PercentEvery${minutes}Minute${minutes === 1 ? '' : 's'}`,
  computePlatform: 'Lambda',
  trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: minutes } },
});

export const PREDEFINED_CONFIGS: readonly DeploymentConfig[] = [
  { deploymentConfigName: `${PREDEFINED_PREFIX}OneAtATime`, minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } },
  { deploymentConfigName: `${PREDEFINED_PREFIX}HalfAtATime`, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } },
  { deploymentConfigName: `${PREDEFINED_PREFIX}AllAtOnce`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
  ...[5, 10, 15, 30].map(lambdaCanary),
  ...[1, 2, 3, 10].map(lambdaLinear),
  { deploymentConfigName: `${PREDEFINED_PREFIX}LambdaAllAtOnce`, computePlatform: 'Lambda', trafficRoutingConfig: { type: 'AllAtOnce' } },
];

export const DEFAULT_CONFIG_NAME = `${PREDEFINED_PREFIX}OneAtATime`;
/** A Lambda deployment that names no configuration moves all traffic at once. */
export const DEFAULT_LAMBDA_CONFIG_NAME = `${PREDEFINED_PREFIX}LambdaAllAtOnce`;

/**
 * Finds a predefined configuration by name, with or without the `CodeDeployDefault.` prefix; no name
 * gives the platform's default.
 */
export function findPredefinedConfig(name: string | undefined, platform: ComputePlatform = 'Server'): DeploymentConfig | undefined {
  const fallback = platform === 'Lambda' ? DEFAULT_LAMBDA_CONFIG_NAME : DEFAULT_CONFIG_NAME;
  const wanted = name === undefined ? fallback : name.startsWith(PREDEFINED_PREFIX) ? name : `${PREDEFINED_PREFIX}${name}`;
  return PREDEFINED_CONFIGS.find((config) => config.deploymentConfigName === wanted);
}

/** Why a configuration cannot be used on a platform (CodeDeploy keeps Server and Lambda configurations apart); undefined if it can. */
export function platformMismatch(config: DeploymentConfig, platform: ComputePlatform): string | undefined {
  const own = platformOf(config);
  if (own === platform) return undefined;
  const hint = platform === 'Lambda' ? 'a CodeDeployDefault.Lambda* configuration or a custom one with computePlatform Lambda' : 'CodeDeployDefault.OneAtATime, HalfAtATime, AllAtOnce or a custom Server configuration';
  return `deployment configuration ${config.deploymentConfigName} is for the ${own} compute platform and cannot be used by a ${platform} deployment; use ${hint}`;
}

/** Minimum number of healthy hosts for a fleet, fixed at the start (FLEET_PERCENT rounds up). */
export function minimumHealthyCount(rule: MinimumHealthyHosts, fleetSize: number): number {
  switch (rule.type) {
    case 'HOST_COUNT':
      return rule.value;
    case 'FLEET_PERCENT':
      return Math.ceil((rule.value * fleetSize) / 100);
    case 'MOST_CONCURRENCY':
      return Math.max(0, fleetSize - 1);
  }
}

const MAX_MONITOR_SECONDS = 48 * 3600;

function checkMinimum(field: string, value: unknown, problems: string[]): void {
  if (!isRecord(value)) {
    problems.push(`${field} must be an object like {"type": "FLEET_PERCENT", "value": 50}; got ${show(value)}`);
    return;
  }
  if (value.type !== 'HOST_COUNT' && value.type !== 'FLEET_PERCENT') {
    problems.push(`${field}.type must be HOST_COUNT or FLEET_PERCENT; got ${show(value.type)}`);
    return;
  }
  const n = value.value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    problems.push(`${field}.value must be a whole number of at least 0; got ${show(n)}`);
  } else if (value.type === 'FLEET_PERCENT' && n > 99) {
    problems.push(`${field}.value is a percentage of the fleet and must be 0-99; got ${n}`);
  }
}

/**
 * Checks a custom deployment configuration (CreateDeploymentConfig's rules). Returns one message per
 * problem; empty when valid. Predefined names are refused: they cannot be redefined.
 */
export function validateCustomConfig(config: unknown): string[] {
  if (!isRecord(config)) return [`deployment configuration must be a JSON object; got ${show(config)}`];
  const problems: string[] = [];
  const name = config.deploymentConfigName;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    problems.push(`deploymentConfigName must be 1-100 characters of letters, digits and . _ + = , @ -; got ${show(name)}`);
  } else if (name.startsWith(PREDEFINED_PREFIX)) {
    problems.push(`deploymentConfigName ${name} must not start with ${PREDEFINED_PREFIX} (reserved for predefined configurations)`);
  }
  const platform = config.computePlatform ?? 'Server';
  if (!(COMPUTE_PLATFORMS as readonly unknown[]).includes(platform)) {
    problems.push(`computePlatform must be Server or Lambda (Gantry does not deploy to ECS); got ${show(platform)}`);
  } else if (platform === 'Lambda') {
    if (config.trafficRoutingConfig === undefined) problems.push('a Lambda configuration needs trafficRoutingConfig: {"type": "TimeBasedCanary"|"TimeBasedLinear"|"AllAtOnce", …}');
    else problems.push(...validateTrafficRouting(config.trafficRoutingConfig));
    for (const key of ['minimumHealthyHosts', 'zonalConfig'] as const) {
      if (config[key] !== undefined) problems.push(`${key} is for Server configurations; a Lambda configuration sets trafficRoutingConfig only`);
    }
  } else {
    checkMinimum('minimumHealthyHosts', config.minimumHealthyHosts, problems);
    if (config.trafficRoutingConfig !== undefined) problems.push('trafficRoutingConfig is for Lambda configurations (computePlatform Lambda); a Server configuration sets minimumHealthyHosts');
  }
  const zonal = platform === 'Server' ? config.zonalConfig : undefined;
  if (zonal !== undefined) {
    if (!isRecord(zonal)) {
      problems.push('zonalConfig must be an object');
    } else {
      for (const key of Object.keys(zonal)) {
        if (!['firstZoneMonitorDurationInSeconds', 'monitorDurationInSeconds', 'minimumHealthyHostsPerZone'].includes(key)) {
          problems.push(`zonalConfig.${key} is not a known setting`);
        }
      }
      for (const key of ['firstZoneMonitorDurationInSeconds', 'monitorDurationInSeconds'] as const) {
        const seconds = zonal[key];
        if (seconds !== undefined && (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_MONITOR_SECONDS)) {
          problems.push(`zonalConfig.${key} must be a whole number of seconds from 0 to ${MAX_MONITOR_SECONDS}; got ${show(seconds)}`);
        }
      }
      if (zonal.minimumHealthyHostsPerZone !== undefined) checkMinimum('zonalConfig.minimumHealthyHostsPerZone', zonal.minimumHealthyHostsPerZone, problems);
    }
  }
  for (const key of Object.keys(config)) {
    if (!['deploymentConfigName', 'computePlatform', 'minimumHealthyHosts', 'zonalConfig', 'trafficRoutingConfig'].includes(key)) problems.push(`${key} is not a deployment configuration setting`);
  }
  return problems;
}
