import type { ErrorInformation } from './errors.js';
import type { LifecycleEventView } from './lifecycle.js';
import { HOST_ID_PATTERN, NAME_PATTERN } from './naming.js';
import type { RevisionLocation } from './revision.js';
import { validateRevision } from './revision.js';
import { isRecord } from './values.js';

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

/**
 * Input of the `deployment` workflow. The same JSON is accepted from `gantry create-deployment`,
 * `temporal workflow start --type deployment --input '…'` and Temporal Schedules.
 */
export interface DeploymentInput {
  applicationName: string;
  deploymentGroupName: string;
  revision: RevisionLocation;
  /** CodeDeploy name, with or without the `CodeDeployDefault.` prefix. Default: OneAtATime. */
  deploymentConfigName?: string;
  /** The hosts to deploy to (host IDs of running agents). */
  targetHosts: string[];
  description?: string;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  /** Stable ID of the deployment group (DEPLOYMENT_GROUP_ID for scripts); derived from the names if absent. */
  deploymentGroupId?: string;
  /** Who created the deployment (CodeDeploy's DeploymentCreator). Default: user. */
  creator?: 'user' | 'codeDeployRollback' | 'autoscaling' | 'CodeDeployAutoUpdate';
  /** Limits on each host's lifecycle events. */
  agentTimeouts?: AgentTimeouts;
}

export interface AgentTimeouts {
  /** How long an event may wait for its agent to pick it up before the host fails (default 300). */
  scheduleToStartSeconds?: number;
  /** How long an agent may go silent during an event before the host fails (default 20). */
  heartbeatSeconds?: number;
  /** Upper bound on one lifecycle event; the AppSpec's script timeouts apply inside it (default 28800). */
  eventSeconds?: number;
}

/** What every agent needs to know about the deployment it is working on. */
export interface DeploymentContext {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  revision: RevisionLocation;
  creator: NonNullable<DeploymentInput['creator']>;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
}

export type DeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
export type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown' | 'Ready';

export interface DeploymentOverview {
  Pending: number;
  InProgress: number;
  Succeeded: number;
  Failed: number;
  Skipped: number;
  Ready: number;
}

export interface TargetView {
  targetId: string;
  status: TargetStatus;
  lastUpdatedAt?: string;
  lifecycleEvents: LifecycleEventView[];
}

/** The `status` query of the `deployment` workflow; also what `gantry get-deployment` prints. */
export interface DeploymentView {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  deploymentConfigName: string;
  revision: RevisionLocation;
  creator: DeploymentContext['creator'];
  description?: string;
  status: DeploymentStatus;
  createTime: string;
  completeTime?: string;
  deploymentOverview: DeploymentOverview;
  errorInformation?: ErrorInformation;
  targets: TargetView[];
}

/** The `status` query of a `hostDeployment` child, and its result. */
export interface HostDeploymentView extends TargetView {
  deploymentId: string;
}

export function isTerminal(status: DeploymentStatus): boolean {
  return status === 'Succeeded' || status === 'Failed' || status === 'Stopped';
}

const FILE_EXISTS_BEHAVIORS: readonly string[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];
const CREATORS: readonly string[] = ['user', 'codeDeployRollback', 'autoscaling', 'CodeDeployAutoUpdate'];


/**
 * Checks a deployment input as it arrives from any client. Returns one message per problem, each
 * naming the field and the bad value; an empty list means the input is valid.
 */
export function validateDeploymentInput(input: unknown): string[] {
  if (!isRecord(input)) return [`deployment input must be a JSON object, got ${JSON.stringify(input)}`];
  const problems: string[] = [];
  for (const field of ['applicationName', 'deploymentGroupName'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
      problems.push(`${field} must be 1-100 characters of letters, digits and . _ + = , @ -; got ${JSON.stringify(value)}`);
    }
  }
  problems.push(...validateRevision(input.revision));
  const hosts = input.targetHosts;
  if (!Array.isArray(hosts) || hosts.length === 0) {
    problems.push(`targetHosts must be a non-empty list of host IDs; got ${JSON.stringify(hosts)}`);
  } else {
    const seen = new Set<string>();
    for (const host of hosts) {
      if (typeof host !== 'string' || !HOST_ID_PATTERN.test(host)) {
        problems.push(`targetHosts entry ${JSON.stringify(host)} is not a valid host ID (letters, digits, . _ -; at most 128)`);
      } else if (seen.has(host)) {
        problems.push(`targetHosts lists ${host} more than once`);
      } else {
        seen.add(host);
      }
    }
  }
  if (input.deploymentConfigName !== undefined && typeof input.deploymentConfigName !== 'string') {
    problems.push(`deploymentConfigName must be a string; got ${JSON.stringify(input.deploymentConfigName)}`);
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 256)) {
    problems.push('description must be a string of at most 256 characters');
  }
  if (input.fileExistsBehavior !== undefined && !FILE_EXISTS_BEHAVIORS.includes(String(input.fileExistsBehavior))) {
    problems.push(`fileExistsBehavior must be one of DISALLOW, OVERWRITE, RETAIN; got ${JSON.stringify(input.fileExistsBehavior)}`);
  }
  if (input.ignoreApplicationStopFailures !== undefined && typeof input.ignoreApplicationStopFailures !== 'boolean') {
    problems.push(`ignoreApplicationStopFailures must be true or false; got ${JSON.stringify(input.ignoreApplicationStopFailures)}`);
  }
  if (input.creator !== undefined && !CREATORS.includes(String(input.creator))) {
    problems.push(`creator must be one of ${CREATORS.join(', ')}; got ${JSON.stringify(input.creator)}`);
  }
  if (input.deploymentGroupId !== undefined && (typeof input.deploymentGroupId !== 'string' || !HOST_ID_PATTERN.test(input.deploymentGroupId))) {
    problems.push(`deploymentGroupId must be letters, digits, . _ -; got ${JSON.stringify(input.deploymentGroupId)}`);
  }
  if (input.agentTimeouts !== undefined) {
    if (!isRecord(input.agentTimeouts)) {
      problems.push('agentTimeouts must be an object');
    } else {
      for (const [key, value] of Object.entries(input.agentTimeouts)) {
        if (!['scheduleToStartSeconds', 'heartbeatSeconds', 'eventSeconds'].includes(key)) {
          problems.push(`agentTimeouts.${key} is not a known setting`);
        } else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
          problems.push(`agentTimeouts.${key} must be a positive number of seconds; got ${JSON.stringify(value)}`);
        }
      }
    }
  }
  return problems;
}

/**
 * A stable deployment group ID derived from the application and group names (UUID-shaped, like
 * CodeDeploy's). Pure, so workflow code can compute it deterministically.
 */
export function deriveDeploymentGroupId(applicationName: string, deploymentGroupName: string): string {
  const text = `${applicationName}\u0000${deploymentGroupName}`;
  // Four independent 32-bit FNV-1a hashes (different seeds) give 128 bits for the UUID shape.
  const parts = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x7f4a7c15].map((seed) => {
    let hash = seed >>> 0;
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, '0');
  });
  const hex = parts.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
