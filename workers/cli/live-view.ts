/**
 * The live view of a deployment on a terminal (`--wait`, `watch-deployment`): one line per host (or,
 * for traffic shifting, per step and hook) with its current event, elapsed time and outcome, and the
 * log tail of failures, redrawn in place. The frame is pure (`liveFrame`); `LiveView` draws it.
 */
import type { DeploymentView, TargetView } from '../../workflows/contracts/deployment.js';

/** Log lines shown under a failed host. */
const FAILURE_TAIL_LINES = 3;

function elapsed(fromIso: string | undefined, toMs: number): string {
  if (!fromIso) return '';
  const s = Math.max(0, (toMs - Date.parse(fromIso)) / 1000);
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

const clip = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`);

/** A host's line: its current (or failing, or last) event, since when, and its outcome. */
function hostLine(target: TargetView, width: number, now: number): string {
  const events = target.lifecycleEvents;
  const running = events.find((e) => e.status === 'InProgress');
  const failed = events.find((e) => e.status === 'Failed');
  const started = events.filter((e) => e.startTime).map((e) => e.startTime as string).sort()[0];
  const ended = events.filter((e) => e.endTime).map((e) => Date.parse(e.endTime as string)).sort((a, b) => a - b).at(-1);
  const label = `${target.targetId}${target.instanceLabel ? ` (${target.instanceLabel})` : ''}`.padEnd(width);
  if (running) return `  ${label}  ${running.lifecycleEventName.padEnd(18)} InProgress  ${elapsed(running.startTime, now)}`;
  const done = target.status === 'Succeeded' || target.status === 'Failed' || target.status === 'Skipped';
  const took = done && started && ended ? elapsed(started, ended) : started ? elapsed(started, now) : '';
  if (failed) return `  ${label}  ${failed.lifecycleEventName.padEnd(18)} Failed      ${took}  ${failed.diagnostics ? `${failed.diagnostics.errorCode}: ${failed.diagnostics.message}` : ''}`.trimEnd();
  const last = [...events].reverse().find((e) => e.status === 'Succeeded');
  return `  ${label}  ${(done ? '' : (last?.lifecycleEventName ?? '')).padEnd(18)} ${target.status.padEnd(10)}  ${took}`.trimEnd();
}

/** The log tail of a failed event, last lines only. */
function failureTail(target: TargetView): string[] {
  const tail = target.lifecycleEvents.find((e) => e.status === 'Failed')?.diagnostics?.logTail ?? '';
  return tail.split('\n').filter(Boolean).slice(-FAILURE_TAIL_LINES).map((line) => `      │ ${line}`);
}

/** Traffic shifting: each step (weight, hold, when) and each validation hook. */
function lambdaLines(view: DeploymentView, now: number): string[] {
  const fn = view.lambda;
  if (!fn) return [];
  const lines = [`  ${fn.functionName ?? '?'}:${fn.functionAlias ?? '?'}  version ${fn.currentVersion ?? '?'} → ${fn.targetVersion ?? '?'}  target weight ${Math.round(fn.targetVersionWeight * 100)}%`];
  for (const [i, step] of fn.shifts.entries()) {
    const state = step.at ? (i === fn.shifts.length - 1 || fn.shifts[i + 1]?.at ? 'done' : `holding ${elapsed(step.at, now)} of ${step.holdSeconds}s`) : 'pending';
    lines.push(`  step ${i + 1}  ${String(step.targetVersionPercent).padStart(3)}%  ${state}`);
  }
  for (const hook of fn.hooks) {
    const took = hook.startTime ? elapsed(hook.startTime, hook.endTime ? Date.parse(hook.endTime) : now) : '';
    lines.push(`  hook ${hook.lifecycleEventName.padEnd(17)} ${hook.functionName}  ${hook.status}  ${took}${hook.message ? `  ${hook.message}` : ''}`);
  }
  if (fn.rollback) lines.push(`  rolled back: ${fn.rollback.reason}`);
  return lines;
}

/**
 * One frame of the view, at most `rows` lines of at most `columns` characters: the deployment's
 * status, then hosts in flight and failed ones first (with their log tails), then the rest; hosts
 * that do not fit are counted on the last line.
 */
export function liveFrame(view: DeploymentView, now: number, size: { columns: number; rows: number }): string[] {
  const o = view.deploymentOverview;
  const header = [
    `${view.deploymentId}  ${view.applicationName}/${view.deploymentGroupName}  ${view.status}  ${view.deploymentConfigName}  ${elapsed(view.createTime, view.completeTime ? Date.parse(view.completeTime) : now)}`,
    `  ${o.Succeeded} succeeded, ${o.Failed} failed, ${o.InProgress} in progress, ${o.Pending} pending, ${o.Skipped} skipped${o.Ready ? `, ${o.Ready} ready` : ''}${view.currentStep && !['succeeded', 'failed'].includes(view.currentStep.kind) ? `  · ${view.currentStep.kind}${view.currentStep.detail ? ` ${view.currentStep.detail}` : ''}` : ''}`,
  ];
  const footer = view.errorInformation ? [`  ${view.errorInformation.code}: ${view.errorInformation.message}`] : [];
  let body: string[];
  if (view.lambda) body = lambdaLines(view, now);
  else {
    const rank = (t: TargetView): number => (t.status === 'InProgress' ? 0 : t.status === 'Failed' ? 1 : t.status === 'Pending' || t.status === 'Ready' ? 2 : 3);
    const targets = [...view.targets].sort((a, b) => rank(a) - rank(b) || a.targetId.localeCompare(b.targetId));
    const width = Math.min(40, Math.max(4, ...targets.map((t) => t.targetId.length + (t.instanceLabel ? t.instanceLabel.length + 3 : 0))));
    const room = Math.max(1, size.rows - header.length - footer.length);
    body = [];
    let shown = 0;
    for (const target of targets) {
      const lines = [hostLine(target, width, now), ...(target.status === 'Failed' ? failureTail(target) : [])];
      if (body.length + lines.length > room - (shown < targets.length - 1 ? 1 : 0)) break;
      body.push(...lines);
      shown += 1;
    }
    const hidden = targets.slice(shown);
    if (hidden.length > 0) {
      const counts = new Map<string, number>();
      for (const t of hidden) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
      body.push(`  … ${hidden.length} more: ${[...counts].map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ')}`);
    }
  }
  return [...header, ...body, ...footer].slice(0, size.rows).map((line) => clip(line, size.columns));
}

/** Draws frames in place on a terminal stream: each redraw moves back over the last frame and clears it. */
export class LiveView {
  private drawn = 0;
  private view?: DeploymentView;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // Elapsed times move even when nothing else does.
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  update(view: DeploymentView): void {
    this.view = view;
    this.draw();
  }

  /** Draws the last frame once more and leaves it on the screen. */
  close(): void {
    clearInterval(this.timer);
    this.draw();
  }

  private draw(): void {
    if (!this.view) return;
    const size = { columns: this.stream.columns || 80, rows: Math.max(5, (this.stream.rows || 24) - 1) };
    const lines = liveFrame(this.view, Date.now(), size);
    // Up to the first line of the last frame, clear to the end of the screen, draw.
    const back = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.stream.write(`${back}\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
