import type { DeploymentView } from '../../workflows/contracts/deployment.js';
import type { RolloutView } from '../../workflows/contracts/rollout.js';

function seconds(start?: string, end?: string): string {
  if (!start || !end) return '';
  return ` (${((Date.parse(end) - Date.parse(start)) / 1000).toFixed(1)}s)`;
}

/**
 * Lines describing what changed between two views of a deployment: each host's lifecycle events as
 * they start and finish, then the deployment's own status. Used to show progress as it happens.
 */
export function progressLines(previous: DeploymentView | undefined, current: DeploymentView): string[] {
  const lines: string[] = [];
  const width = Math.max(...current.targets.map((t) => t.targetId.length));
  for (const target of current.targets) {
    const before = previous?.targets.find((t) => t.targetId === target.targetId);
    for (const event of target.lifecycleEvents) {
      const old = before?.lifecycleEvents.find((e) => e.lifecycleEventName === event.lifecycleEventName);
      if (old?.status === event.status || event.status === 'Pending') continue;
      const detail =
        event.status === 'Failed' && event.diagnostics
          ? `: ${event.diagnostics.errorCode}: ${event.diagnostics.message}`
          : event.status === 'Succeeded' || event.status === 'Skipped'
            ? seconds(event.startTime, event.endTime)
            : '';
      lines.push(`  ${target.targetId.padEnd(width)}  ${event.lifecycleEventName.padEnd(17)} ${event.status}${detail}`);
    }
    if (before?.status !== target.status && ['Succeeded', 'Failed', 'Skipped'].includes(target.status)) {
      lines.push(`  ${target.targetId.padEnd(width)}  → ${target.status}`);
    }
  }
  if (previous?.status !== current.status) lines.push(`deployment ${current.deploymentId}: ${current.status}`);
  return lines;
}

/** A short human summary of a deployment (`--output text`). */
export function summary(view: DeploymentView): string {
  const o = view.deploymentOverview;
  const lines = [
    `${view.deploymentId}  ${view.status}  ${view.applicationName}/${view.deploymentGroupName}  ${view.deploymentConfigName}`,
    `  targets: ${o.Succeeded} succeeded, ${o.Failed} failed, ${o.InProgress} in progress, ${o.Pending} pending, ${o.Skipped} skipped${o.Ready ? `, ${o.Ready} ready` : ''}`,
  ];
  const bg = view.blueGreen;
  if (bg) {
    const weights = (list: { targetGroupName: string; weight: number }[]): string => list.map((w) => `${w.targetGroupName}=${w.weight}`).join(',') || 'nothing';
    const lb = bg.listener ? `; listener forwards ${weights(bg.listener.current)} (was ${weights(bg.listener.before)})` : `; target groups ${bg.replacementTargetGroups.join(', ')}`;
    lines.push(`  blue/green: ${bg.trafficMethod}${lb}; traffic ${bg.trafficRerouted ? 'rerouted' : 'not rerouted'}${bg.originalInstances ? `; originals ${bg.originalInstances === 'TERMINATED' ? 'terminated' : 'kept alive'}` : bg.instanceTerminationWaitTimeStarted ? '; termination wait started' : ''}${bg.notTerminated ? ` (not EC2 instances, left running: ${bg.notTerminated.join(', ')})` : ''}`);
  }
  const fn = view.lambda;
  if (fn) {
    lines.push(`  lambda: ${fn.functionName ?? '?'}:${fn.functionAlias ?? '?'} version ${fn.currentVersion ?? '?'} → ${fn.targetVersion ?? '?'}; target version weight ${Math.round(fn.targetVersionWeight * 100)}%`);
    const steps = fn.shifts.map((s) => `${s.targetVersionPercent}%${s.holdSeconds ? ` for ${s.holdSeconds}s` : ''}${s.at ? ` at ${s.at}` : ''}`);
    lines.push(`  shift: ${steps.join(' → ')}`);
    for (const hook of fn.hooks) lines.push(`  hook ${hook.lifecycleEventName} ${hook.functionName}: ${hook.status}${hook.message ? ` (${hook.message})` : ''} [${hook.lifecycleEventHookExecutionId}]`);
    if (fn.rollback) lines.push(`  rolled back: alias on version ${fn.currentVersion ?? '?'} again: ${fn.rollback.reason}`);
  }
  if (view.currentStep && (view.status === 'InProgress' || view.status === 'Ready')) {
    const zone = view.currentZone !== undefined ? ` (zone ${view.currentZone ?? 'none'})` : '';
    lines.push(`  step: ${view.currentStep.kind}${view.currentStep.detail ? ` ${view.currentStep.detail}` : ''}${zone} since ${view.currentStep.since}`);
  }
  if (view.errorInformation) lines.push(`  error: ${view.errorInformation.code}: ${view.errorInformation.message}`);
  for (const target of view.targets) {
    const failed = target.failedEvent;
    lines.push(`  ${target.targetId}${target.instanceLabel ? ` (${target.instanceLabel})` : ''}: ${target.status}${failed ? ` at ${failed.lifecycleEventName}: ${failed.diagnostics.message}` : ''}`);
  }
  return lines.join('\n');
}

/** A rollout, wave by wave (`get-rollout --output text`). */
export function rolloutSummary(view: RolloutView): string {
  const lines = [`${view.rolloutId}  ${view.status}${view.paused ? ' (paused)' : ''}  ${view.applicationName}${view.message ? `  ${view.message}` : ''}`];
  for (const wave of view.waves) {
    const gate = wave.approval ? `  approval ${wave.approval.status}${wave.approval.approver ? ` by ${wave.approval.approver}` : ''}` : '';
    lines.push(`  wave ${wave.index + 1}${wave.name ? ` (${wave.name})` : ''} ${wave.mode} ${wave.status}${wave.bakeSeconds ? `  bake ${wave.bakeSeconds}s` : ''}${gate}`);
    for (const r of wave.regions) {
      const back = r.rollback ? `  rollback ${r.rollback.status}${r.rollback.deploymentId ? ` ${r.rollback.deploymentId}` : ''}` : '';
      lines.push(`    ${r.region.padEnd(15)} ${r.status.padEnd(10)} ${r.deploymentId ?? '-'}  ${r.deploymentGroupName}${back}${r.message ? `  ${r.message}` : ''}`);
    }
  }
  return lines.join('\n');
}
