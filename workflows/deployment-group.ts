import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ControllerActivities } from './contracts/controller.js';
import type { DeploymentInput } from './contracts/deployment.js';
import { deriveDeploymentGroupId, validateDeploymentInput } from './contracts/deployment.js';
import type { DeploymentGroupConfig, DeploymentGroupView, GroupDeploymentRecord, GroupDeploymentRequest, RollbackRequest } from './contracts/deployment-group.js';
import type { BlueGreenRollback } from './contracts/blue-green.js';
import { validateGroupConfig } from './contracts/deployment-group.js';
import { describeRevision } from './contracts/revision.js';
import { createGroupDeploymentUpdate, deleteDeploymentGroupUpdate, deploymentFinishedSignal, deploymentGroupQuery, hostJoinedSignal, proceedSignal, rollbackUpdate, updateDeploymentGroupUpdate } from './messages.js';
import { joinProblems } from './contracts/values.js';
import { newDeploymentId } from './deployment-ids.js';
import { DEPLOYMENT_ID_PATTERN } from './contracts/naming.js';

const controller = proxyActivities<ControllerActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });

const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;
const HISTORY_KEPT = 50;
/** Hosts joining within this window (an Auto Scaling burst) are caught up by one deployment. */
const JOIN_GATHER_MS = 2_000;

export interface DeploymentGroupState {
  config: DeploymentGroupConfig;
  view?: DeploymentGroupView;
}

/**
 * The deployment group entity: its configuration, the one deployment in progress (later ones queue,
 * or are refused, as configured), the last successful revision and recent history. It starts the
 * group's deployments, lets queued ones proceed in order, and starts rollbacks. Continues as new to
 * stay small; completes only when the group is deleted.
 */
export async function deploymentGroup(state: DeploymentGroupState): Promise<void> {
  const info = workflowInfo();
  const view: DeploymentGroupView = state.view ?? {
    config: state.config,
    deploymentGroupId: deriveDeploymentGroupId(state.config.applicationName, state.config.deploymentGroupName),
    queued: [],
    history: [],
  };
  let busy = 0; // handlers in flight; continue-as-new waits for them
  let deleted = false;

  const record = (deploymentId: string): GroupDeploymentRecord | undefined => view.history.find((r) => r.deploymentId === deploymentId);
  // After continue-as-new these are copies: point them back at the history entries that get updated.
  if (view.lastAttemptedDeployment) view.lastAttemptedDeployment = record(view.lastAttemptedDeployment.deploymentId) ?? view.lastAttemptedDeployment;
  if (view.lastSuccessfulDeployment) view.lastSuccessfulDeployment = record(view.lastSuccessfulDeployment.deploymentId) ?? view.lastSuccessfulDeployment;

  const start = async (request: GroupDeploymentRequest, extra: Partial<DeploymentInput> = {}): Promise<{ deploymentId: string; status: 'InProgress' | 'Queued' }> => {
    const { config } = view;
    const deploymentId = request.deploymentId ?? newDeploymentId();
    const queued = view.inProgress !== undefined;
    // A blue/green group's original environment is the hosts its last blue/green deployment left serving.
    const fleet = config.deploymentStyle?.deploymentType === 'BLUE_GREEN' && view.blueGreenFleet?.length ? view.blueGreenFleet : undefined;
    const input: DeploymentInput = {
      applicationName: config.applicationName,
      deploymentGroupName: config.deploymentGroupName,
      deploymentGroupId: view.deploymentGroupId,
      ...(view.formerNames?.length ? { formerDeploymentGroups: view.formerNames } : {}),
      revision: request.revision,
      ...(config.computePlatform === 'Lambda' ? { computePlatform: 'Lambda' as const } : {}),
      ...(config.lambdaHookTimeoutSeconds ? { lambdaHookTimeoutSeconds: config.lambdaHookTimeoutSeconds } : {}),
      ...(fleet
        ? { targetHosts: fleet }
        : {
            ...(config.targetHosts ? { targetHosts: config.targetHosts } : {}),
            ...(config.tagFilters ? { tagFilters: config.tagFilters } : {}),
            ...(config.tagSet ? { tagSet: config.tagSet } : {}),
          }),
      ...(request.deploymentConfigName ? { deploymentConfigName: request.deploymentConfigName } : config.deploymentConfig ? { deploymentConfig: config.deploymentConfig } : config.deploymentConfigName ? { deploymentConfigName: config.deploymentConfigName } : {}),
      ...(config.loadBalancerInfo ? { loadBalancerInfo: config.loadBalancerInfo } : {}),
      ...(config.deploymentStyle ? { deploymentStyle: config.deploymentStyle } : {}),
      ...(config.blueGreenDeploymentConfiguration ? { blueGreenDeploymentConfiguration: config.blueGreenDeploymentConfiguration } : {}),
      ...(config.autoScalingGroups ? { autoScalingGroups: config.autoScalingGroups } : {}),
      ...(request.targetInstances ? { targetInstances: request.targetInstances } : {}),
      ...(config.agentTimeouts ? { agentTimeouts: config.agentTimeouts } : {}),
      ...(config.triggerConfigurations ? { triggerConfigurations: config.triggerConfigurations } : {}),
      // A rollback is not watched by alarms: the alarm that caused it is usually still in ALARM.
      ...(config.alarmConfiguration && extra.creator !== 'codeDeployRollback' ? { alarmConfiguration: config.alarmConfiguration } : {}),
      ...(request.fileExistsBehavior ?? config.fileExistsBehavior ? { fileExistsBehavior: request.fileExistsBehavior ?? config.fileExistsBehavior } : {}),
      ...(request.description ? { description: request.description } : {}),
      ...(request.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
      ...(request.updateOutdatedInstancesOnly ? { updateOutdatedInstancesOnly: true } : {}),
      group: { workflowId: info.workflowId, queued, autoRollbackConfiguration: request.autoRollbackConfiguration ?? config.autoRollbackConfiguration },
      ...extra,
    };
    const entry: GroupDeploymentRecord = {
      deploymentId,
      status: queued ? 'Queued' : 'InProgress',
      revision: request.revision,
      creator: input.creator ?? 'user',
      createTime: new Date().toISOString(),
      ...(input.rollbackInfo ? { rollbackInfo: input.rollbackInfo } : {}),
    };
    view.history.unshift(entry);
    view.history.length = Math.min(view.history.length, HISTORY_KEPT);
    view.lastAttemptedDeployment = entry;
    if (queued) view.queued.push(deploymentId);
    else view.inProgress = deploymentId;
    busy += 1;
    try {
      await controller.startDeploymentWorkflow({ deploymentId, input, controllerTaskQueue: info.taskQueue });
      // Its turn may have come while it was being started, before it could hear `proceed`.
      if (queued && view.inProgress === deploymentId) await getExternalWorkflowHandle(deploymentId).signal(proceedSignal);
    } finally {
      busy -= 1;
    }
    return { deploymentId, status: entry.status === 'Queued' ? 'Queued' : 'InProgress' };
  };

  setHandler(deploymentGroupQuery, () => view);

  const watch = async (): Promise<void> => {
    const { targetHosts, tagFilters, tagSet } = view.config;
    if (view.config.computePlatform === 'Lambda') return; // no hosts to hear of
    busy += 1;
    try {
      await controller.watchTargets({ controllerTaskQueue: info.taskQueue, watch: { groupWorkflowId: info.workflowId, deploymentGroupId: view.deploymentGroupId, selection: { targetHosts, tagFilters, tagSet } } });
    } finally {
      busy -= 1;
    }
  };

  setHandler(updateDeploymentGroupUpdate, async (config) => {
    view.config = config;
    await watch();
    return view;
  }, {
    validator: (config) => {
      const problems = validateGroupConfig(config);
      if (config.applicationName !== view.config.applicationName || config.deploymentGroupName !== view.config.deploymentGroupName) {
        problems.push('the application and deployment group names cannot change');
      }
      if ((config.computePlatform ?? 'Server') !== (view.config.computePlatform ?? 'Server')) {
        problems.push(`computePlatform cannot change (${view.config.computePlatform ?? 'Server'}): it is the application's`);
      }
      if (problems.length > 0) throw new Error(`invalid deployment group: ${joinProblems(problems)}`);
    },
  });

  /** A request that names a deployment this group already started: its answer, unchanged. */
  const repeated = (deploymentId: string | undefined): { deploymentId: string; status: 'InProgress' | 'Queued' } | undefined => {
    const entry = deploymentId ? record(deploymentId) : undefined;
    return entry ? { deploymentId: entry.deploymentId, status: entry.status === 'Queued' ? 'Queued' : 'InProgress' } : undefined;
  };
  const checkChosenId = (deploymentId: string | undefined): void => {
    if (deploymentId !== undefined && !DEPLOYMENT_ID_PATTERN.test(deploymentId)) throw new Error(`deploymentId must look like d-XXXXXXXXX; got ${JSON.stringify(deploymentId)}`);
  };

  setHandler(createGroupDeploymentUpdate, (request) => repeated(request.deploymentId) ?? start(request), {
    validator: (request) => {
      checkChosenId(request.deploymentId);
      if (repeated(request.deploymentId)) return;
      const { deploymentStyle, loadBalancerInfo, blueGreenDeploymentConfiguration, autoScalingGroups, computePlatform } = view.config;
      const problems = validateDeploymentInput({
        ...request,
        applicationName: view.config.applicationName,
        deploymentGroupName: view.config.deploymentGroupName,
        ...(computePlatform === 'Lambda' ? { computePlatform } : { targetHosts: ['validation-only'] }),
        ...(deploymentStyle ? { deploymentStyle } : {}),
        ...(loadBalancerInfo ? { loadBalancerInfo } : {}),
        ...(blueGreenDeploymentConfiguration ? { blueGreenDeploymentConfiguration } : {}),
        ...(autoScalingGroups ? { autoScalingGroups } : {}),
      });
      if (problems.length > 0) throw new Error(`invalid deployment: ${joinProblems(problems)}`);
      if (view.inProgress && view.config.concurrentDeployments === 'REFUSE') {
        throw new Error(`deployment group ${view.config.deploymentGroupName} already has deployment ${view.inProgress} in progress (concurrentDeployments REFUSE)`);
      }
    },
  });

  /** The deployment a rollback goes back to, or why there is none. */
  const rollbackTarget = (request: RollbackRequest): { to: GroupDeploymentRecord; triggering?: GroupDeploymentRecord; blueGreen?: BlueGreenRollback } | string => {
    const triggering = request.triggeringDeploymentId ? record(request.triggeringDeploymentId) : view.lastAttemptedDeployment;
    if (triggering?.creator === 'codeDeployRollback') {
      return `deployment ${triggering.deploymentId} is itself a rollback; Gantry does not roll back a rollback (deploy a revision instead)`;
    }
    if (view.config.computePlatform === 'Lambda') {
      return 'a Lambda deployment rolls back by itself: on a failure, an alarm or a stop with rollback it puts the alias back on CurrentVersion. To go back to an earlier version later, deploy an AppSpec whose TargetVersion is that version';
    }
    if (view.config.deploymentStyle?.deploymentType === 'BLUE_GREEN' && request.toDeploymentId) {
      return 'a blue/green group rolls back by giving traffic back to the original hosts of its last deployment; to go to an older revision, deploy it (with targetInstances)';
    }
    if (view.config.deploymentStyle?.deploymentType === 'BLUE_GREEN') {
      // Blue/green: the original hosts take traffic back; nothing is installed, so no earlier success is needed.
      const blueGreen = request.blueGreen ?? (triggering ? triggering.blueGreenRollback : undefined);
      if (!triggering || !blueGreen) {
        return `${triggering ? `the original hosts of deployment ${triggering.deploymentId} were terminated (or it moved no traffic)` : 'the group has no deployment to roll back'}; a blue/green deployment can be rolled back only while its original hosts exist`;
      }
      return { to: view.lastSuccessfulDeployment && view.lastSuccessfulDeployment.deploymentId !== triggering.deploymentId ? view.lastSuccessfulDeployment : triggering, triggering, blueGreen };
    }
    if (request.toDeploymentId) {
      const to = record(request.toDeploymentId);
      if (!to) return `deployment ${request.toDeploymentId} is not among this group's last ${HISTORY_KEPT} deployments`;
      if (to.status !== 'Succeeded') return `deployment ${request.toDeploymentId} did not succeed (${to.status}); only a successful revision can be rolled back to`;
      return { to, triggering };
    }
    let to = view.lastSuccessfulDeployment;
    if (!to) return `deployment group ${view.config.deploymentGroupName} has no earlier successful deployment to roll back to`;
    if (triggering && to.deploymentId === triggering.deploymentId) {
      // Rolling back a deployment that succeeded (a cross-region rollout undoing a region): the success before it.
      const older = view.history.slice(view.history.indexOf(triggering) + 1).find((r) => r.status === 'Succeeded');
      if (!older) return `deployment ${to.deploymentId} is the group's only successful deployment; there is nothing earlier to roll back to`;
      to = older;
    }
    return { to, triggering };
  };

  setHandler(
    rollbackUpdate,
    async (request) => {
      const again = repeated(request.deploymentId);
      if (again) return again;
      const target = rollbackTarget(request) as { to: GroupDeploymentRecord; triggering?: GroupDeploymentRecord; blueGreen?: BlueGreenRollback };
      const message = request.reason ?? (target.blueGreen ? `Rollback of blue/green deployment ${target.blueGreen.triggeringDeploymentId}: traffic back to its original hosts` : `Rollback to ${target.to.deploymentId} (${describeRevision(target.to.revision)})`);
      const blueGreen = target.blueGreen;
      const started = await start(
        { revision: target.to.revision, updateOutdatedInstancesOnly: true, autoRollbackConfiguration: { enabled: false, events: [] }, ...(request.deploymentId ? { deploymentId: request.deploymentId } : {}) },
        {
          creator: 'codeDeployRollback',
          rollbackInfo: { ...(target.triggering ? { rollbackTriggeringDeploymentId: target.triggering.deploymentId } : {}), rollbackMessage: message },
          // Both fleets are the rollback's targets: the originals take traffic back, the replacements lose it.
          ...(blueGreen ? { blueGreenRollback: blueGreen, targetHosts: [...new Set([...blueGreen.originalHosts, ...blueGreen.replacementHosts])], tagFilters: undefined, tagSet: undefined } : {}),
        },
      );
      if (target.triggering) target.triggering.rollbackInfo = { rollbackDeploymentId: started.deploymentId, rollbackMessage: message };
      return started;
    },
    {
      validator: (request) => {
        checkChosenId(request.deploymentId);
        if (repeated(request.deploymentId)) return;
        const target = rollbackTarget(request);
        if (typeof target === 'string') throw new Error(`rollback refused: ${target}`);
      },
    },
  );

  setHandler(deploymentFinishedSignal, (finished) => {
    const entry = record(finished.deploymentId);
    if (entry) {
      entry.status = finished.status;
      entry.revision = finished.revision;
      entry.completeTime = finished.completeTime;
      if (finished.status === 'Succeeded') view.lastSuccessfulDeployment = entry;
      if (finished.blueGreen) {
        // Only the latest blue/green deployment can be rolled back; older ones keep no host lists.
        for (const other of view.history) delete other.blueGreenRollback;
        if (finished.blueGreen.rollback && entry.creator !== 'codeDeployRollback') entry.blueGreenRollback = finished.blueGreen.rollback;
        if (finished.status === 'Succeeded') view.blueGreenFleet = finished.blueGreen.servingHosts;
        // As CodeDeploy does, a group whose Auto Scaling group was copied now names the copy.
        if (finished.status === 'Succeeded' && finished.blueGreen.autoScalingGroups) view.config = { ...view.config, autoScalingGroups: finished.blueGreen.autoScalingGroups };
      }
    }
    view.queued = view.queued.filter((id) => id !== finished.deploymentId);
    if (view.inProgress !== finished.deploymentId) return;
    view.inProgress = view.queued.shift();
    const next = view.inProgress ? record(view.inProgress) : undefined;
    if (next) {
      next.status = 'InProgress';
      // Not awaited: the queued deployment exists (the group started it), waiting for this signal.
      void getExternalWorkflowHandle(next.deploymentId).signal(proceedSignal).catch(() => undefined);
    }
  });

  // DeleteDeploymentGroup: refused while a deployment runs or waits, so none is left without its group.
  setHandler(
    deleteDeploymentGroupUpdate,
    async () => {
      deleted = true;
      // The registry keeps no selection for a group that is gone (an empty one selects no host).
      if (view.config.computePlatform !== 'Lambda') {
        busy += 1;
        try {
          await controller.watchTargets({ controllerTaskQueue: info.taskQueue, watch: { groupWorkflowId: info.workflowId, deploymentGroupId: view.deploymentGroupId, selection: {} } });
        } finally {
          busy -= 1;
        }
      }
    },
    {
      validator: () => {
        const waiting = [...(view.inProgress ? [view.inProgress] : []), ...view.queued];
        if (waiting.length > 0) throw new Error(`deployment group ${view.config.deploymentGroupName} has deployments in progress or queued (${waiting.join(', ')}); stop them or wait for them to end, then delete it`);
      },
    },
  );

  // New hosts: wait for the group to be idle, gather a burst, deploy the last successful revision to them.
  setHandler(hostJoinedSignal, ({ hostId }) => {
    if (!view.lastSuccessfulDeployment) return;
    if (view.inProgress && view.config.outdatedInstancesStrategy === 'IGNORE') return;
    if (!(view.joiningHosts ??= []).includes(hostId)) view.joiningHosts.push(hostId);
  });

  await watch();
  const longHistory = (): boolean => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested;
  const catchUpDue = (): boolean => (view.joiningHosts?.length ?? 0) > 0 && !view.inProgress && view.lastSuccessfulDeployment !== undefined;
  for (;;) {
    await condition(() => catchUpDue() || (busy === 0 && (longHistory() || deleted)));
    if (deleted || !catchUpDue()) break;
    await sleep(JOIN_GATHER_MS);
    if (!catchUpDue()) continue;
    const hostIds = view.joiningHosts ?? [];
    view.joiningHosts = [];
    const last = view.lastSuccessfulDeployment as GroupDeploymentRecord;
    await start(
      { revision: last.revision, updateOutdatedInstancesOnly: true, description: `Brings ${hostIds.length} new host(s) up to the revision of ${last.deploymentId}` },
      { creator: 'autoscaling', targetHosts: hostIds, tagFilters: undefined, tagSet: undefined },
    );
  }
  await condition(() => busy === 0);
  if (deleted) return;
  return continueAsNew<typeof deploymentGroup>({ config: view.config, view });
}
