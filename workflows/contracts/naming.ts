/**
 * Wire names: task queues, workflow types, messages and search attributes. These are Gantry's public
 * API (the Temporal CLI and UI show and use them); renaming one breaks running deployments.
 */

/** Task queue of the controller worker: every Gantry workflow and the cloud-side activities. */
export const CONTROLLER_TASK_QUEUE = 'gantry';

/** AWS region names (us-east-1, eu-central-2, us-gov-west-1, …). */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The controller task queue of a region: a controller worker started with `--region R` serves it,
 * with that region's AWS clients. Groups, configurations and the host registry are per queue, so per region.
 */
export function regionTaskQueue(region: string): string {
  return `${CONTROLLER_TASK_QUEUE}-${region}`;
}

/** Each host agent polls its own queue, so lifecycle events reach exactly that host. */
export function hostTaskQueue(hostId: string): string {
  return `gantry-host-${hostId}`;
}

export const WorkflowType = {
  deployment: 'deployment',
  hostDeployment: 'hostDeployment',
  hostRegistry: 'hostRegistry',
  deploymentConfigs: 'deploymentConfigs',
  deploymentGroup: 'deploymentGroup',
  applications: 'applications',
  crossRegionRollout: 'crossRegionRollout',
} as const;

/** Workflow ID of the catalog of applications served by a controller task queue. */
export function applicationsWorkflowId(controllerTaskQueue: string = CONTROLLER_TASK_QUEUE): string {
  return `${controllerTaskQueue}/applications`;
}

/** Workflow ID of a deployment group entity: one per application and group, per installation. */
export function deploymentGroupWorkflowId(applicationName: string, deploymentGroupName: string, controllerTaskQueue: string = CONTROLLER_TASK_QUEUE): string {
  return `${controllerTaskQueue}/deployment-group/${applicationName}/${deploymentGroupName}`;
}

/**
 * Workflow ID of the host registry served by a controller task queue: one registry per Gantry
 * installation (its controller queue) in a namespace.
 */
export function hostRegistryWorkflowId(controllerTaskQueue: string = CONTROLLER_TASK_QUEUE): string {
  return `${controllerTaskQueue}/host-registry`;
}

/** Workflow ID of the catalog of custom deployment configurations served by a controller task queue. */
export function deploymentConfigsWorkflowId(controllerTaskQueue: string = CONTROLLER_TASK_QUEUE): string {
  return `${controllerTaskQueue}/deployment-configs`;
}

export const MessageName = {
  /** Query on `deployment` and `hostDeployment`: the current status view. */
  status: 'status',
  /** Signal on `deployment`: stop it (`{ autoRollback?: boolean }`); no new host or event starts, hooks in flight are cancelled. */
  stop: 'stop',
  /** Update on a blue/green `deployment`: `{deploymentWaitType: READY_WAIT|TERMINATION_WAIT}` ends that wait now (continue-deployment). */
  continue: 'continue',
  /**
   * Update on a Lambda `deployment`: `{lifecycleEventHookExecutionId, status: Succeeded|Failed}`, sent
   * by a validation function (CodeDeploy's PutLifecycleEventHookExecutionStatus); refused for an
   * unknown ID or one that already completed.
   */
  putLifecycleEventHookExecutionStatus: 'putLifecycleEventHookExecutionStatus',
  /** Signal on a queued `deployment`, sent by its group: its turn has come. */
  proceed: 'proceed',
  /** Update on `deploymentGroup`: start (or queue) a deployment of a revision; returns its ID. */
  createDeployment: 'createDeployment',
  /** Update on `deploymentGroup`: change its configuration (applies to deployments created afterwards). */
  updateDeploymentGroup: 'updateDeploymentGroup',
  /** Update on `deploymentGroup`: roll back to the last successful revision or a named earlier deployment. */
  rollback: 'rollback',
  /** Signal on `deploymentGroup`, sent by each of its deployments as it ends. */
  deploymentFinished: 'deploymentFinished',
  /** Query on `deploymentGroup`: configuration, deployment in progress, queue, last successful revision, history. */
  deploymentGroup: 'deploymentGroup',
  /** Signal on `hostRegistry`, sent by each agent as it starts (signal-with-start). */
  registerHost: 'registerHost',
  /** Signal on `hostRegistry`: forget a host (it was retired). */
  deregisterHost: 'deregisterHost',
  /** Query on `hostRegistry`: every registered host with its tags and zone. */
  hosts: 'hosts',
  /** Query on `hostRegistry`: the hosts a target selection matches, with their health for a group. */
  selectTargets: 'selectTargets',
  /** Signal on `hostRegistry`, sent by each deployment group: its target selection, to hear of new hosts. */
  watchTargets: 'watchTargets',
  /** Signal on `deploymentGroup`, sent by the registry: a host the group selects registered and is not up to date. */
  hostJoined: 'hostJoined',
  /** Signal on `hostRegistry`, sent by deployments: which hosts succeeded or failed with which revision. */
  recordDeploymentOutcomes: 'recordDeploymentOutcomes',
  /** Update on `deploymentConfigs`: add a custom deployment configuration (validated; names are unique). */
  createDeploymentConfig: 'createDeploymentConfig',
  /** Update on `deploymentConfigs`: remove a custom deployment configuration. */
  deleteDeploymentConfig: 'deleteDeploymentConfig',
  /** Query on `deploymentConfigs`: every custom deployment configuration. */
  deploymentConfigs: 'deploymentConfigs',
  /** Update on `applications`: register an application with its compute platform (refused when it exists). */
  createApplication: 'createApplication',
  /** Query on `applications`: every application with its compute platform. */
  applications: 'applications',
  /** Update on `applications`: remove an application and its registered revisions (its groups are deleted first). */
  deleteApplication: 'deleteApplication',
  /** Update on `applications`: rename an application (its groups are moved first). */
  renameApplication: 'renameApplication',
  /** Update on `applications`: register a revision of an application, with a description. */
  registerApplicationRevision: 'registerApplicationRevision',
  /** Query on `applications`: an application's registered revisions. */
  applicationRevisions: 'applicationRevisions',
  /** Signal on `hostRegistry`: a group moved (its application was renamed): its hosts' health records follow it. */
  moveGroupHealth: 'moveGroupHealth',
  /** Update on `deploymentGroup`: delete it (refused while a deployment is in progress or queued); the workflow then completes. */
  deleteDeploymentGroup: 'deleteDeploymentGroup',
  /** Updates on `hostRegistry`: CodeDeploy's on-premises instance operations (validated). */
  registerOnPremisesInstance: 'registerOnPremisesInstance',
  deregisterOnPremisesInstance: 'deregisterOnPremisesInstance',
  addTagsToOnPremisesInstances: 'addTagsToOnPremisesInstances',
  removeTagsFromOnPremisesInstances: 'removeTagsFromOnPremisesInstances',
  /** Query on `hostRegistry`: the on-premises instances managed centrally. */
  onPremisesInstances: 'onPremisesInstances',
  /** Update on `crossRegionRollout`: `{approver, approved?, comment?}` answers the approval gate it waits at. */
  approve: 'approve',
  /** Signals on `crossRegionRollout`: no new region or wave starts until `resume`. */
  pause: 'pause',
  resume: 'resume',
} as const;

/** Custom search attributes, registered on the namespace by Gantry's tooling. */
export const SearchAttributeName = {
  application: 'GantryApplication',
  deploymentGroup: 'GantryDeploymentGroup',
  revision: 'GantryRevision',
  status: 'GantryDeploymentStatus',
} as const;

/** Workflow ID of a host's child workflow: readable in the UI and unique per deployment. */
/** An EC2 instance ID (i- and 8 or 17 hex digits): a host that blue/green's TERMINATE can terminate. */
export function isEc2InstanceId(id: string): boolean {
  return /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id);
}

export function hostWorkflowId(deploymentId: string, hostId: string): string {
  return `${deploymentId}/${hostId}`;
}

/** Host IDs end up in task queue names, workflow IDs and paths, so they are kept to a safe alphabet. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** CodeDeploy-style names: applications, deployment groups, deployment configurations. */
export const NAME_PATTERN = /^[A-Za-z0-9._+=,@-]{1,100}$/;

/** Deployment IDs look like CodeDeploy's: `d-` and nine upper-case letters or digits. */
export const DEPLOYMENT_ID_PATTERN = /^d-[A-Z0-9]{9}$/;
