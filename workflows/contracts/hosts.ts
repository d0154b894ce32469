import type { TargetSelection } from './targets.js';

/** Healthy: the group's last deployment to the host succeeded. Unhealthy: it failed, or never ran. */
export type InstanceHealth = 'Healthy' | 'Unhealthy';
/** Current: the host runs the group's last successful revision; Old: another one; Unknown: none. */
export type RevisionHealth = 'Current' | 'Old' | 'Unknown';

/** Where a host receives load balancer traffic: an EC2 instance ID or an IP address, and a port. */
export interface LoadBalancerTarget {
  id: string;
  port?: number;
}

/** What an agent tells the host registry about its host. */
export interface HostRegistration {
  hostId: string;
  /** Tags deployment groups select hosts by (CodeDeploy's on-premises instance tags). */
  tags: Record<string, string>;
  /** Availability zone or site, for zonal deployments; null when not given. */
  zone: string | null;
  /** When the agent last registered (ISO 8601). */
  registeredAt: string;
  agentVersion?: string;
  /** How ELBv2 target groups address this host, for in-place deployments with traffic control. */
  loadBalancerTarget?: LoadBalancerTarget;
}

/** Signal `recordDeploymentOutcomes` on the registry: which hosts a deployment updated, and how it ended. */
export interface DeploymentOutcomes {
  deploymentGroupId: string;
  /** The deployed revision (describeRevision key). */
  revision: string;
  succeeded: string[];
  failed: string[];
  /** Set once, when the deployment itself succeeded: the revision becomes the group's current one. */
  deploymentSucceeded?: boolean;
}

/** Query `selectTargets` on the registry: the hosts a selection matches, for one deployment group. */
export interface TargetQuery {
  deploymentGroupId: string;
  selection: TargetSelection;
}

/** One selected host, with the health the scheduling order is based on. */
export interface SelectedTarget {
  hostId: string;
  zone: string | null;
  /** false for a host named in targetHosts whose agent never registered. */
  registered: boolean;
  instanceHealth: InstanceHealth;
  revisionHealth: RevisionHealth;
  installedRevision: string | null;
  loadBalancerTarget?: LoadBalancerTarget;
  /** A host named in targetHosts that was deregistered (deregister-on-premises-instance): refused as a target. */
  deregistered?: true;
}

/** Signal `watchTargets` on the registry: tell this group when a host it selects registers and is not up to date. */
export interface TargetWatch {
  groupWorkflowId: string;
  deploymentGroupId: string;
  selection: TargetSelection;
}
