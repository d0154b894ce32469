import {
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  executeChild,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import type { DeploymentContext, DeploymentInput, DeploymentView, HostDeploymentView, TargetView } from './contracts/deployment.js';
import { deriveDeploymentGroupId, validateDeploymentInput } from './contracts/deployment.js';
import { describeRevision, needsPinning } from './contracts/revision.js';
import type { DeploymentConfig, HealthTally } from './contracts/deployment-config.js';
import { batchSize, deploymentSucceeded, findPredefinedConfig, healthConstraintsBroken } from './contracts/deployment-config.js';
import type { ErrorInformation } from './contracts/errors.js';
import { FailureType } from './contracts/errors.js';
import { IN_PLACE_EVENTS } from './contracts/lifecycle.js';
import { hostWorkflowId } from './contracts/naming.js';
import { rootCause } from './failures.js';
import { hostDeployment } from './host-deployment.js';
import { deploymentStatusQuery, hostProgressSignal } from './messages.js';
import { GantrySearchAttributes } from './search-attributes.js';

const controller = proxyActivities<ControllerActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [FailureType.RevisionNotFound, FailureType.InvalidRevision] },
});

/**
 * One deployment of one revision to one deployment group's hosts, in place, batch by batch as the
 * deployment configuration allows. The workflow ID is the deployment ID. Completes with the final
 * view when the deployment succeeds; fails with type HealthConstraints (details: the view) otherwise.
 */
export async function deployment(input: DeploymentInput): Promise<DeploymentView> {
  const problems = validateDeploymentInput(input);
  if (problems.length > 0) {
    throw ApplicationFailure.create({ type: FailureType.InvalidDeploymentInput, message: problems.join('; '), nonRetryable: true });
  }
  const config = findPredefinedConfig(input.deploymentConfigName);
  if (!config) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidDeploymentInput,
      message: `deploymentConfigName ${JSON.stringify(input.deploymentConfigName)} is not a known deployment configuration (OneAtATime, HalfAtATime, AllAtOnce)`,
      nonRetryable: true,
    });
  }

  const info = workflowInfo();
  const context: DeploymentContext = {
    deploymentId: info.workflowId,
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentGroupId: input.deploymentGroupId ?? deriveDeploymentGroupId(input.applicationName, input.deploymentGroupName),
    revision: input.revision,
    creator: input.creator ?? 'user',
    fileExistsBehavior: input.fileExistsBehavior,
    ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false,
  };
  const view: DeploymentView = {
    deploymentId: context.deploymentId,
    applicationName: context.applicationName,
    deploymentGroupName: context.deploymentGroupName,
    deploymentGroupId: context.deploymentGroupId,
    deploymentConfigName: config.deploymentConfigName,
    revision: context.revision,
    creator: context.creator,
    description: input.description,
    status: 'InProgress',
    createTime: info.startTime.toISOString(),
    deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 },
    targets: input.targetHosts.map((hostId) => ({ targetId: hostId, status: 'Pending', lifecycleEvents: [] })),
  };
  const targets = new Map<string, TargetView>(view.targets.map((t) => [t.targetId, t]));
  const finished = new Set<string>();
  const refreshOverview = (): void => {
    const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
    for (const target of view.targets) if (target.status in overview) overview[target.status as keyof typeof overview] += 1;
    view.deploymentOverview = overview;
  };
  const applyHostView = (host: HostDeploymentView): void => {
    const target = targets.get(host.targetId);
    if (!target) return;
    target.status = host.status;
    target.lastUpdatedAt = host.lastUpdatedAt;
    target.lifecycleEvents = host.lifecycleEvents;
    refreshOverview();
  };
  refreshOverview();
  setHandler(deploymentStatusQuery, () => view);
  setHandler(hostProgressSignal, (host) => {
    // A late progress report must not overwrite a host's final result.
    if (!finished.has(host.targetId)) applyHostView(host);
  });
  upsertSearchAttributes([
    { key: GantrySearchAttributes.application, value: context.applicationName },
    { key: GantrySearchAttributes.deploymentGroup, value: context.deploymentGroupName },
    { key: GantrySearchAttributes.revision, value: describeRevision(context.revision) },
    { key: GantrySearchAttributes.status, value: 'InProgress' },
  ]);
  /** Ends the deployment: hosts never started are Skipped; the status and search attribute are final. */
  const settle = (error?: ErrorInformation): void => {
    for (const target of view.targets) if (target.status === 'Pending') target.status = 'Skipped';
    refreshOverview();
    view.status = error ? 'Failed' : 'Succeeded';
    view.completeTime = new Date().toISOString();
    if (error) view.errorInformation = error;
    upsertSearchAttributes([{ key: GantrySearchAttributes.status, value: view.status }]);
  };
  /** Settles the deployment as failed; the failure to throw carries the final view in its details. */
  const failed = (type: FailureType, error: ErrorInformation): ApplicationFailure => {
    settle(error);
    return ApplicationFailure.create({ type, message: error.message, nonRetryable: true, details: [view] });
  };
  if (needsPinning(context.revision)) {
    try {
      context.revision = await controller.pinRevision(context.revision);
      view.revision = context.revision;
    } catch (err) {
      const cause = rootCause(err);
      const message = cause instanceof Error ? cause.message : String(cause);
      const missing = cause instanceof ApplicationFailure && cause.type === FailureType.RevisionNotFound;
      throw failed(missing ? FailureType.RevisionNotFound : FailureType.InvalidRevision, { code: missing ? 'REVISION_MISSING' : 'INVALID_REVISION', message });
    }
  }

  const outcome = await runInPlace(context, input, config, view.targets, (host) => {
    finished.add(host.targetId);
    applyHostView(host);
  });

  if (!outcome.succeeded) throw failed(FailureType.HealthConstraints, { code: 'HEALTH_CONSTRAINTS', message: outcome.message });
  settle();
  return view;
}

async function runInPlace(
  context: DeploymentContext,
  input: DeploymentInput,
  config: DeploymentConfig,
  targets: readonly TargetView[],
  onHostDone: (host: HostDeploymentView) => void,
): Promise<{ succeeded: boolean; message: string }> {
  const rule = config.minimumHealthyHosts;
  const hostIds = targets.map((t) => t.targetId);
  const size = batchSize(rule, hostIds.length);
  const tally: HealthTally = { fleetSize: hostIds.length, succeeded: 0, failed: 0, remaining: hostIds.length };
  let firstFailure = '';
  const noteFailure = (host: HostDeploymentView): void => {
    const event = host.lifecycleEvents.find((e) => e.status === 'Failed');
    if (firstFailure || !event) return;
    firstFailure = ` First failure: ${host.targetId}, ${event.lifecycleEventName}: ${event.diagnostics?.errorCode ?? 'UnknownError'}: ${event.diagnostics?.message ?? ''}`;
  };

  for (let start = 0; start < hostIds.length; start += size) {
    const batch = hostIds.slice(start, start + size);
    tally.remaining -= batch.length;
    await Promise.all(
      batch.map(async (hostId) => {
        const host = await deployHost(context, input, targets.find((t) => t.targetId === hostId) as TargetView);
        if (host.status === 'Succeeded') tally.succeeded += 1;
        else {
          tally.failed += 1;
          noteFailure(host);
        }
        onHostDone(host);
      }),
    );
    if (healthConstraintsBroken(rule, tally)) {
      return {
        succeeded: false,
        message: `The overall deployment failed because too many individual instances failed deployment (${tally.failed} of ${tally.fleetSize} failed; ${config.deploymentConfigName}).${firstFailure}`,
      };
    }
  }
  if (deploymentSucceeded(rule, tally)) return { succeeded: true, message: '' };
  return {
    succeeded: false,
    message: `The overall deployment failed because too few instances succeeded (${tally.succeeded} of ${tally.fleetSize}; ${config.deploymentConfigName}).${firstFailure}`,
  };
}

async function deployHost(context: DeploymentContext, input: DeploymentInput, progress: TargetView): Promise<HostDeploymentView> {
  const hostId = progress.targetId;
  try {
    return await executeChild(hostDeployment, {
      workflowId: hostWorkflowId(context.deploymentId, hostId),
      args: [{ deployment: context, hostId, events: [...IN_PLACE_EVENTS], agentTimeouts: input.agentTimeouts }],
      // A host's child must not outlive its deployment.
      parentClosePolicy: ParentClosePolicy.TERMINATE,
    });
  } catch (err) {
    const cause = rootCause(err);
    const detail = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
    if (err instanceof ChildWorkflowFailure && isHostView(detail)) return detail;
    // The child itself broke (not a lifecycle failure): fail the event it was on, per its last progress report.
    const message = cause instanceof Error ? cause.message : String(cause);
    const events = progress.lifecycleEvents.map((e) => ({ ...e }));
    const current = events.find((e) => e.status === 'InProgress') ?? events.find((e) => e.status === 'Pending');
    for (const event of events) {
      if (event === current) {
        event.status = 'Failed';
        event.diagnostics = { errorCode: 'UnknownError', message, logTail: '' };
      } else if (event.status === 'Pending' || event.status === 'InProgress') {
        event.status = 'Skipped';
      }
    }
    return { deploymentId: context.deploymentId, targetId: hostId, status: 'Failed', lastUpdatedAt: new Date().toISOString(), lifecycleEvents: events };
  }
}

function isHostView(value: unknown): value is HostDeploymentView {
  return typeof value === 'object' && value !== null && 'targetId' in value && 'lifecycleEvents' in value;
}
