import type { DeploymentSummary, TargetStatus, TargetSummary } from './contracts/deployment.js';

/** Target lookups and overview counts kept in step, in O(1) per change (10,000 targets). */
export class TargetTracker {
  private readonly byId = new Map<string, TargetSummary>();

  constructor(private readonly summary: DeploymentSummary) {
    for (const target of summary.targets) this.byId.set(target.targetId, target);
  }

  add(targets: TargetSummary[]): void {
    for (const target of targets) {
      this.summary.targets.push(target);
      this.byId.set(target.targetId, target);
      this.count(target.status, 1);
    }
  }

  has(hostId: string): boolean {
    return this.byId.has(hostId);
  }

  get(hostId: string): TargetSummary {
    const target = this.byId.get(hostId);
    if (!target) throw new Error(`unknown target ${hostId}`);
    return target;
  }

  set(target: TargetSummary, status: TargetStatus): void {
    this.count(target.status, -1);
    target.status = status;
    target.lastUpdatedAt = new Date().toISOString();
    this.count(status, 1);
  }

  private count(status: TargetStatus, delta: number): void {
    const overview = this.summary.deploymentOverview;
    if (status in overview) overview[status as keyof typeof overview] += delta;
  }
}
