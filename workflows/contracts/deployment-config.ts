/**
 * Predefined in-place deployment configurations and the minimum-healthy-hosts arithmetic that decides
 * batch sizes and outcomes. Pure; used by the workflow's planner and by clients for early validation.
 */
export type MinimumHealthyHosts =
  | { type: 'HOST_COUNT'; value: number }
  | { type: 'FLEET_PERCENT'; value: number }
  /** OneAtATime's special rule: all hosts but one stay healthy; a failure of the last host is tolerated. */
  | { type: 'MOST_CONCURRENCY'; value: 1 };

export interface DeploymentConfig {
  deploymentConfigName: string;
  minimumHealthyHosts: MinimumHealthyHosts;
}

const PREFIX = 'CodeDeployDefault.';

export const PREDEFINED_CONFIGS: readonly DeploymentConfig[] = [
  { deploymentConfigName: `${PREFIX}OneAtATime`, minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } },
  { deploymentConfigName: `${PREFIX}HalfAtATime`, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } },
  { deploymentConfigName: `${PREFIX}AllAtOnce`, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
];

export const DEFAULT_CONFIG_NAME = `${PREFIX}OneAtATime`;

/** Finds a predefined configuration by name, with or without the `CodeDeployDefault.` prefix. */
export function findPredefinedConfig(name: string | undefined): DeploymentConfig | undefined {
  const wanted = name === undefined ? DEFAULT_CONFIG_NAME : name.startsWith(PREFIX) ? name : `${PREFIX}${name}`;
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

/** How many hosts may be deployed at once without risking fewer healthy hosts than the minimum. */
export function batchSize(rule: MinimumHealthyHosts, fleetSize: number): number {
  if (rule.type === 'MOST_CONCURRENCY') return 1;
  return Math.max(1, fleetSize - minimumHealthyCount(rule, fleetSize));
}

export interface HealthTally {
  fleetSize: number;
  succeeded: number;
  failed: number;
  /** Hosts not yet attempted. */
  remaining: number;
}

/**
 * True when the deployment must stop: too many hosts failed for the minimum to be kept. OneAtATime
 * tolerates a failure of its very last host.
 */
export function healthConstraintsBroken(rule: MinimumHealthyHosts, tally: HealthTally): boolean {
  if (tally.failed === 0) return false;
  if (rule.type === 'MOST_CONCURRENCY') {
    return !(tally.failed === 1 && tally.remaining === 0 && tally.fleetSize > 1);
  }
  return tally.fleetSize - tally.failed < minimumHealthyCount(rule, tally.fleetSize) || tally.succeeded + tally.remaining < 1;
}

/** Outcome once every host has been attempted: enough successes, and at least one. */
export function deploymentSucceeded(rule: MinimumHealthyHosts, tally: HealthTally): boolean {
  if (tally.succeeded < 1) return false;
  if (rule.type === 'MOST_CONCURRENCY') return !healthConstraintsBroken(rule, tally);
  return tally.succeeded >= minimumHealthyCount(rule, tally.fleetSize);
}
