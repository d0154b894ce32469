import type { BlueGreenDeploymentConfiguration, BlueGreenRollback, TargetInstances } from './blue-green.js';
import type { DeploymentConfig } from './deployment-config.js';
import type { ComputePlatform } from './lambda.js';
import type { AgentTimeouts, AlarmConfiguration, DeploymentStatus, DeploymentStyle, FileExistsBehavior, FormerDeploymentGroup, LoadBalancerInfo } from './deployment.js';
import { validateDeploymentInput } from './deployment.js';
import { NAME_PATTERN } from './naming.js';
import type { RevisionLocation } from './revision.js';
import type { TargetSelection } from './targets.js';
import type { TriggerConfig } from './triggers.js';
import { isRecord, show } from './values.js';

export type AutoRollbackEvent = 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST';
export const AUTO_ROLLBACK_EVENTS: readonly AutoRollbackEvent[] = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];

export interface AutoRollbackConfiguration {
  enabled: boolean;
  events: AutoRollbackEvent[];
}

/** A deployment group's configuration (CreateDeploymentGroup's fields that apply to Gantry). */
export interface DeploymentGroupConfig extends TargetSelection {
  applicationName: string;
  /** Server (the default) or Lambda: a Lambda group has no hosts; its deployments move an alias. */
  computePlatform?: ComputePlatform;
  /** Lambda: how long a validation function has to report (default and at most 3600 s). */
  lambdaHookTimeoutSeconds?: number;
  /** CodeDeploy's autoScalingGroups: the group's hosts are these groups' instances. */
  autoScalingGroups?: string[];
  deploymentGroupName: string;
  deploymentConfigName?: string;
  deploymentConfig?: DeploymentConfig;
  loadBalancerInfo?: LoadBalancerInfo;
  /** CodeDeploy's deploymentStyle: IN_PLACE, with or without traffic control (see DeploymentInput). */
  deploymentStyle?: DeploymentStyle;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** A host that joins during a deployment is updated afterwards (UPDATE, the default) or not (IGNORE). */
  outdatedInstancesStrategy?: 'UPDATE' | 'IGNORE';
  /** A deployment created while another runs: QUEUE it (the default; status Queued) or REFUSE it. */
  concurrentDeployments?: 'QUEUE' | 'REFUSE';
  agentTimeouts?: AgentTimeouts;
  fileExistsBehavior?: FileExistsBehavior;
  alarmConfiguration?: AlarmConfiguration;
  /** Webhooks for the group's deployments and instances (at most 10). */
  triggerConfigurations?: TriggerConfig[];
}

/** Update `createDeployment` on a group: the revision and per-deployment overrides. */
export interface GroupDeploymentRequest {
  revision: RevisionLocation;
  description?: string;
  deploymentConfigName?: string;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  updateOutdatedInstancesOnly?: boolean;
  /** Overrides the group's auto-rollback setting for this deployment. */
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** Blue/green (DISCOVER_EXISTING): the replacement hosts. */
  targetInstances?: TargetInstances;
  /**
   * The new deployment's ID, chosen by the caller so a repeated request (a retried activity) answers
   * the deployment it already started instead of starting another.
   */
  deploymentId?: string;
}

/** Update `rollback` on a group: redeploy the last successful revision, or a named earlier deployment's. */
export interface RollbackRequest {
  toDeploymentId?: string;
  /** The deployment that asks for it (an automatic rollback); default: the group's last deployment. */
  triggeringDeploymentId?: string;
  reason?: string;
  /** Sent by a blue/green deployment asking for its own rollback: what to put back. */
  blueGreen?: BlueGreenRollback;
  /** The rollback deployment's ID, chosen by the caller so a repeated request starts no second one. */
  deploymentId?: string;
}

/** CodeDeploy's rollbackInfo, on both the rolled-back deployment and the rollback. */
export interface RollbackInfo {
  /** On a rolled-back deployment: the rollback that replaced it. */
  rollbackDeploymentId?: string;
  /** On a rollback: the deployment it rolled back. */
  rollbackTriggeringDeploymentId?: string;
  rollbackMessage?: string;
}

export interface GroupDeploymentRecord {
  deploymentId: string;
  status: DeploymentStatus;
  revision: RevisionLocation;
  creator: 'user' | 'codeDeployRollback' | 'autoscaling' | 'CodeDeployAutoUpdate';
  createTime: string;
  completeTime?: string;
  rollbackInfo?: RollbackInfo;
  /** A blue/green deployment: what its rollback puts back (kept for the latest blue/green deployment only). */
  blueGreenRollback?: BlueGreenRollback;
}

/** Query `deploymentGroup`: what `gantry get-deployment-group` prints. */
export interface DeploymentGroupView {
  config: DeploymentGroupConfig;
  deploymentGroupId: string;
  /** The deployment in progress, if any. */
  inProgress?: string;
  /** Deployments waiting behind it, oldest first. */
  queued: string[];
  /** Hosts that joined (registered, selected, not up to date) and will get the last successful revision. */
  joiningHosts?: string[];
  lastSuccessfulDeployment?: GroupDeploymentRecord;
  lastAttemptedDeployment?: GroupDeploymentRecord;
  /** Blue/green: the hosts now serving the group (its original environment for the next deployment). */
  blueGreenFleet?: string[];
  /** The most recent deployments, newest first (at most 50). */
  history: GroupDeploymentRecord[];
  /** The names the group had before its application was renamed, newest first; its deployments carry them to hosts. */
  formerNames?: FormerDeploymentGroup[];
}

/** Signal `deploymentFinished` on a group, sent by each of its deployments as it ends. */
export interface DeploymentFinished {
  deploymentId: string;
  status: DeploymentStatus;
  /** The revision as deployed (pinned). */
  revision: RevisionLocation;
  completeTime: string;
  /** A blue/green deployment: the hosts that serve once it succeeded, and what its rollback would put back. */
  blueGreen?: { servingHosts: string[]; rollback?: BlueGreenRollback; autoScalingGroups?: string[] };
}

/** Checks a group configuration; one message per problem. */
export function validateGroupConfig(config: unknown): string[] {
  if (!isRecord(config)) return [`deployment group must be a JSON object; got ${show(config)}`];
  const { autoRollbackConfiguration: rollback, outdatedInstancesStrategy, concurrentDeployments, ...rest } = config;
  // The deployment fields are checked as a deployment would be (a placeholder revision stands in).
  const placeholder = rest.computePlatform === 'Lambda' ? { revisionType: 'AppSpecContent', appSpecContent: { content: 'group' } } : { revisionType: 'Local', local: { path: '/group' } };
  const problems = validateDeploymentInput({ ...rest, revision: placeholder }, { groupConfig: true });
  if (typeof config.deploymentGroupName === 'string' && !NAME_PATTERN.test(config.deploymentGroupName)) problems.push('deploymentGroupName is not a valid name');
  if (rollback !== undefined) {
    if (!isRecord(rollback) || typeof rollback.enabled !== 'boolean' || !Array.isArray(rollback.events)) {
      problems.push('autoRollbackConfiguration must be {"enabled": true|false, "events": ["DEPLOYMENT_FAILURE", …]}');
    } else {
      for (const event of rollback.events) {
        if (!AUTO_ROLLBACK_EVENTS.includes(event as AutoRollbackEvent)) problems.push(`autoRollbackConfiguration.events: ${show(event)} is not one of ${AUTO_ROLLBACK_EVENTS.join(', ')}`);
      }
    }
  }
  if (outdatedInstancesStrategy !== undefined && outdatedInstancesStrategy !== 'UPDATE' && outdatedInstancesStrategy !== 'IGNORE') {
    problems.push(`outdatedInstancesStrategy must be UPDATE or IGNORE; got ${show(outdatedInstancesStrategy)}`);
  }
  if (concurrentDeployments !== undefined && concurrentDeployments !== 'QUEUE' && concurrentDeployments !== 'REFUSE') {
    problems.push(`concurrentDeployments must be QUEUE or REFUSE; got ${show(concurrentDeployments)}`);
  }
  return [...new Set(problems)];
}

/** Whether a deployment that ended this way rolls back under this configuration. */
export function rollsBack(config: AutoRollbackConfiguration | undefined, ending: 'failed' | 'stoppedOnRequest' | 'stoppedOnAlarm'): boolean {
  if (!config?.enabled) return false;
  const event: AutoRollbackEvent = ending === 'failed' ? 'DEPLOYMENT_FAILURE' : ending === 'stoppedOnAlarm' ? 'DEPLOYMENT_STOP_ON_ALARM' : 'DEPLOYMENT_STOP_ON_REQUEST';
  return config.events.includes(event);
}
