import { join } from 'node:path';

/**
 * Where the agent keeps its state under its root directory. Mirrors the CodeDeploy agent's
 * deployment-root layout so operators find things where they expect them.
 */
export class AgentLayout {
  constructor(readonly rootDir: string) {}

  get deploymentRoot(): string {
    return join(this.rootDir, 'deployment-root');
  }
  get instructionsDir(): string {
    return join(this.deploymentRoot, 'deployment-instructions');
  }
  deploymentDir(deploymentGroupId: string, deploymentId: string): string {
    return join(this.deploymentRoot, deploymentGroupId, deploymentId);
  }
  archiveDir(deploymentGroupId: string, deploymentId: string): string {
    return join(this.deploymentDir(deploymentGroupId, deploymentId), 'deployment-archive');
  }
  scriptLog(deploymentGroupId: string, deploymentId: string): string {
    return join(this.deploymentDir(deploymentGroupId, deploymentId), 'logs', 'scripts.log');
  }
  /** Files and directories made by the group's last Install, one per line, for the next cleanup. */
  cleanupFile(deploymentGroupId: string): string {
    return join(this.instructionsDir, `${deploymentGroupId}-cleanup`);
  }
  /** The group's last Install plan, as JSON, for operators. */
  installInstructionsFile(deploymentGroupId: string): string {
    return join(this.instructionsDir, `${deploymentGroupId}-install.json`);
  }
  /** Holds the deployment directory of the group's last revision whose Install completed. */
  lastSuccessfulInstallFile(deploymentGroupId: string): string {
    return join(this.instructionsDir, `${deploymentGroupId}_last_successful_install`);
  }
  /** Holds the deployment directory of the group's last revision whose DownloadBundle completed. */
  mostRecentInstallFile(deploymentGroupId: string): string {
    return join(this.instructionsDir, `${deploymentGroupId}_most_recent_install`);
  }
  /** The agent's identity: host ID, tags, zone. */
  get hostFile(): string {
    return join(this.rootDir, 'host.json');
  }
}
