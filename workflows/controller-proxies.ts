/** The controller's activities as the deployment workflow and its interpreter call them. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import { FailureType } from './contracts/errors.js';

const CONTROLLER_RETRY = {
  maximumAttempts: 5,
  nonRetryableErrorTypes: [FailureType.RevisionNotFound, FailureType.InvalidRevision, FailureType.DeploymentConfigNotFound],
};
export const controller = proxyActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: CONTROLLER_RETRY });
/**
 * Queries and signals to Gantry's own entity workflows (catalog, registry): quick, idempotent calls,
 * run as local activities so each costs no task round trip through the server (about 30 ms of a
 * one-host deployment on two cores).
 */
export const entities = proxyLocalActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: CONTROLLER_RETRY });

/** Load balancer, EC2 and Lambda calls of strategies (listeners, instances, aliases, hooks): a missing resource is not retried. */
export const cloud = proxyActivities<ControllerActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [FailureType.TrafficControlFailed, FailureType.HookInvocationFailed] },
});
