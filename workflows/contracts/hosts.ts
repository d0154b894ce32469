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
}
