import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeploymentConfig } from './contracts/deployment-config.js';
import type { DeploymentSummary, HostDeploymentView, StopRequest } from './contracts/deployment.js';
import type { DeploymentOutcomes, HostRegistration, SelectedTarget, TargetQuery, TargetWatch } from './contracts/hosts.js';
import type { DeploymentFinished, DeploymentGroupConfig, DeploymentGroupView, GroupDeploymentRequest, RollbackRequest } from './contracts/deployment-group.js';
import { MessageName } from './contracts/naming.js';
import type { DeploymentWaitType } from './contracts/blue-green.js';
import type { HookStatusReport } from './contracts/lambda.js';
import type { ApplicationInfo, CreateApplicationRequest } from './contracts/applications.js';
import type { RegisteredRevision, RegisterRevisionRequest } from './contracts/application-revisions.js';
import type { ApprovalRequest, RolloutStopRequest, RolloutView } from './contracts/rollout.js';
import type { OnPremisesInstance } from './contracts/on-premises.js';

/** `deployment` workflow: the deployment, its overview and every target's status. */
export const deploymentStatusQuery = defineQuery<DeploymentSummary>(MessageName.status);

/** `deployment` workflow (blue/green): end a Ready wait (reroute now) or the termination wait (retire now). */
export const continueUpdate = defineUpdate<{ deploymentId: string; deploymentWaitType: DeploymentWaitType }, [{ deploymentWaitType: DeploymentWaitType }]>(MessageName.continue);

/** `deployment` workflow (Lambda): a validation function reports Succeeded or Failed (PutLifecycleEventHookExecutionStatus). */
export const putHookStatusUpdate = defineUpdate<{ lifecycleEventHookExecutionId: string }, [HookStatusReport]>(MessageName.putLifecycleEventHookExecutionStatus);

/** `deployment` workflow: stop it; MANUAL_STOP. `autoRollback` asks for a rollback afterwards. */
export const stopSignal = defineSignal<[StopRequest?]>(MessageName.stop);

/** `hostDeployment` workflow: one host's lifecycle events. */
export const hostStatusQuery = defineQuery<HostDeploymentView>(MessageName.status);

/** `hostRegistry` workflow: an agent (re)registers its host ID, tags and zone. */
export const registerHostSignal = defineSignal<[HostRegistration]>(MessageName.registerHost);

/** `hostRegistry` workflow: removes a host. */
export const deregisterHostSignal = defineSignal<[{ hostId: string }]>(MessageName.deregisterHost);

/** `hostRegistry` workflow: the registered hosts, sorted by host ID. */
export const hostsQuery = defineQuery<HostRegistration[]>(MessageName.hosts);

/** `hostRegistry` workflow: the hosts a selection matches, with their health for one group. */
export const selectTargetsQuery = defineQuery<SelectedTarget[], [TargetQuery]>(MessageName.selectTargets);

/** `hostRegistry` workflow: a deployment's host results. */
export const recordDeploymentOutcomesSignal = defineSignal<[DeploymentOutcomes]>(MessageName.recordDeploymentOutcomes);

/** `deploymentConfigs` workflow: adds a custom configuration; refused when invalid or the name is taken. */
export const createDeploymentConfigUpdate = defineUpdate<DeploymentConfig, [DeploymentConfig]>(MessageName.createDeploymentConfig);

/** `deploymentConfigs` workflow: removes a custom configuration; refused when it does not exist. */
export const deleteDeploymentConfigUpdate = defineUpdate<void, [{ deploymentConfigName: string }]>(MessageName.deleteDeploymentConfig);

/** `deploymentConfigs` workflow: every custom configuration, sorted by name. */
export const deploymentConfigsQuery = defineQuery<DeploymentConfig[]>(MessageName.deploymentConfigs);

/** `deployment` workflow (queued): the group says its turn has come. */
export const proceedSignal = defineSignal(MessageName.proceed);

/** `deploymentGroup` workflow: starts a deployment now, or queues it behind the one in progress. */
export const createGroupDeploymentUpdate = defineUpdate<{ deploymentId: string; status: 'InProgress' | 'Queued' }, [GroupDeploymentRequest]>(MessageName.createDeployment);

/** `deploymentGroup` workflow: replaces its configuration. */
export const updateDeploymentGroupUpdate = defineUpdate<DeploymentGroupView, [DeploymentGroupConfig]>(MessageName.updateDeploymentGroup);

/** `deploymentGroup` workflow: starts a rollback deployment; refused with a reason when there is nothing to roll back to. */
export const rollbackUpdate = defineUpdate<{ deploymentId: string; status: 'InProgress' | 'Queued' }, [RollbackRequest]>(MessageName.rollback);

/** `deploymentGroup` workflow: one of its deployments ended. */
export const deploymentFinishedSignal = defineSignal<[DeploymentFinished]>(MessageName.deploymentFinished);

/** `deploymentGroup` workflow: its state. */
export const deploymentGroupQuery = defineQuery<DeploymentGroupView>(MessageName.deploymentGroup);

/** `hostRegistry` workflow: a group's selection, so it hears of hosts that join. */
export const watchTargetsSignal = defineSignal<[TargetWatch]>(MessageName.watchTargets);

/** `deploymentGroup` workflow: a host it selects registered and does not run its last successful revision. */
export const hostJoinedSignal = defineSignal<[{ hostId: string }]>(MessageName.hostJoined);

/** `applications` workflow: registers an application and its compute platform; refused when it exists (unless ifAbsent) or is invalid. */
export const createApplicationUpdate = defineUpdate<ApplicationInfo, [CreateApplicationRequest]>(MessageName.createApplication);

/** `applications` workflow: every application, sorted by name. */
export const applicationsQuery = defineQuery<ApplicationInfo[]>(MessageName.applications);

/** `applications` workflow: removes an application and its registered revisions. */
export const deleteApplicationUpdate = defineUpdate<void, [{ applicationName: string }]>(MessageName.deleteApplication);

/** `applications` workflow: renames an application, keeping its ID, platform and registered revisions. */
export const renameApplicationUpdate = defineUpdate<ApplicationInfo, [{ applicationName: string; newApplicationName: string }]>(MessageName.renameApplication);

/** `applications` workflow: registers (or re-describes) a revision of an application. */
export const registerApplicationRevisionUpdate = defineUpdate<RegisteredRevision, [RegisterRevisionRequest]>(MessageName.registerApplicationRevision);

/** `applications` workflow: an application's registered revisions. */
export const applicationRevisionsQuery = defineQuery<RegisteredRevision[], [string]>(MessageName.applicationRevisions);

/** `deploymentGroup` workflow: deletes the group; refused while one of its deployments is in progress or queued. */
export const deleteDeploymentGroupUpdate = defineUpdate<void>(MessageName.deleteDeploymentGroup);

/** `crossRegionRollout` workflow: every wave, region, deployment ID and outcome. */
export const rolloutStatusQuery = defineQuery<RolloutView>(MessageName.status);

/** `crossRegionRollout` workflow: stop it (regions in flight are stopped); `rollback` rolls back the regions done, newest first. */
export const rolloutStopSignal = defineSignal<[RolloutStopRequest?]>(MessageName.stop);

/** `crossRegionRollout` workflow: no new region or wave starts until resume (regions in flight go on). */
export const pauseSignal = defineSignal(MessageName.pause);
export const resumeSignal = defineSignal(MessageName.resume);

/** `crossRegionRollout` workflow: approves (or rejects) the wave waiting at its approval gate. */
export const approveUpdate = defineUpdate<{ rolloutId: string; wave: number; approved: boolean }, [ApprovalRequest]>(MessageName.approve);

/** `hostRegistry` workflow: CodeDeploy's on-premises instance operations, each answering the instances it changed. */
export const registerInstanceUpdate = defineUpdate<OnPremisesInstance[], [{ instanceName: string; iamUserArn?: string; iamSessionArn?: string }]>(MessageName.registerOnPremisesInstance);
export const deregisterInstanceUpdate = defineUpdate<OnPremisesInstance[], [{ instanceName: string }]>(MessageName.deregisterOnPremisesInstance);
export const addTagsUpdate = defineUpdate<OnPremisesInstance[], [{ instanceNames: string[]; tags: { Key: string; Value?: string }[] }]>(MessageName.addTagsToOnPremisesInstances);
export const removeTagsUpdate = defineUpdate<OnPremisesInstance[], [{ instanceNames: string[]; tags: { Key: string; Value?: string }[] }]>(MessageName.removeTagsFromOnPremisesInstances);
/** `hostRegistry` workflow: the on-premises instances managed centrally. */
export const onPremisesInstancesQuery = defineQuery<OnPremisesInstance[]>(MessageName.onPremisesInstances);

/** `hostRegistry` workflow: the health records of a group that moved to a new group ID (a renamed application) follow it. */
export const moveGroupHealthSignal = defineSignal<[{ fromDeploymentGroupId: string; toDeploymentGroupId: string }]>(MessageName.moveGroupHealth);
