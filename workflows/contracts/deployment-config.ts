import { NAME_PATTERN } from './naming.js';
import { isRecord, show } from './values.js';

/**
 * In-place deployment configurations: the predefined ones, custom ones (minimum healthy hosts and an
 * optional zonal configuration), their validation, and the minimum-healthy-hosts arithmetic. Pure.
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
  minimumHealthyHosts: MinimumHealthyHosts;
  zonalConfig?: ZonalConfig;
}

export const PREDEFINED_PREFIX = 'CodeDeployDefault.';

export const PREDEFINED_CONFIGS: readonly DeploymentConfig[] = [
  { deploymentConfigName: `${PREDEFINED_PREFIX}OneAtATime`, minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } },
  { deploymentConfigName: `${PREDEFINED_PREFIX}HalfAtATime`, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } },
  { deploymentConfigName: `${PREDEFINED_PREFIX}AllAtOnce`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
];

export const DEFAULT_CONFIG_NAME = `${PREDEFINED_PREFIX}OneAtATime`;

/** Finds a predefined configuration by name, with or without the `CodeDeployDefault.` prefix. */
export function findPredefinedConfig(name: string | undefined): DeploymentConfig | undefined {
  const wanted = name === undefined ? DEFAULT_CONFIG_NAME : name.startsWith(PREDEFINED_PREFIX) ? name : `${PREDEFINED_PREFIX}${name}`;
  return PREDEFINED_CONFIGS.find((config) => config.deploymentConfigName === wanted);
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
  checkMinimum('minimumHealthyHosts', config.minimumHealthyHosts, problems);
  const zonal = config.zonalConfig;
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
    if (!['deploymentConfigName', 'minimumHealthyHosts', 'zonalConfig'].includes(key)) problems.push(`${key} is not a deployment configuration setting`);
  }
  return problems;
}
