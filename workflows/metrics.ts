/** The controller's deployment metrics, emitted from workflow code (Temporal skips them on replay). */
import { metricMeter } from '@temporalio/workflow';
import type { DeploymentInput } from './contracts/deployment.js';
import { GantryMetric, strategyTag } from './contracts/metrics.js';

export function countDeploymentStarted(input: DeploymentInput): void {
  const { name, description } = GantryMetric.deploymentsStarted;
  metricMeter.createCounter(name, undefined, description).add(1, { compute_platform: input.computePlatform ?? 'Server', strategy: strategyTag(input) });
}

export function countDeploymentFinished(input: DeploymentInput, status: string): void {
  const { name, description } = GantryMetric.deploymentsFinished;
  metricMeter.createCounter(name, undefined, description).add(1, { compute_platform: input.computePlatform ?? 'Server', status });
}
