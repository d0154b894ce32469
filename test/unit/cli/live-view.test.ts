import { describe, expect, it } from 'vitest';
import type { DeploymentView, TargetView } from '../../../workflows/contracts/deployment.js';
import { liveFrame } from '../../../workers/cli/live-view.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function target(targetId: string, status: TargetView['status'], events: TargetView['lifecycleEvents']): TargetView {
  return { targetId, status, lifecycleEvents: events };
}

function view(targets: TargetView[]): DeploymentView {
  const count = (s: string): number => targets.filter((t) => t.status === s).length;
  return {
    deploymentId: 'd-ABCDEFGHI', applicationName: 'shop', deploymentGroupName: 'web', deploymentGroupId: 'g', deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    revision: { revisionType: 'Local', local: { path: '/r' } }, creator: 'user', status: 'InProgress', createTime: at(0), updateOutdatedInstancesOnly: false,
    deploymentOverview: { Pending: count('Pending'), InProgress: count('InProgress'), Succeeded: count('Succeeded'), Failed: count('Failed'), Skipped: count('Skipped'), Ready: 0 },
    targets,
  } as DeploymentView;
}

describe('workers/cli/live-view', () => {
  it('puts hosts in flight and failed ones (with their log tail) first, and counts the hosts that do not fit', () => {
    const hosts = [
      ...Array.from({ length: 30 }, (_, i) => target(`done-${String(i).padStart(2, '0')}`, 'Succeeded', [{ lifecycleEventName: 'ValidateService', status: 'Succeeded', startTime: at(1), endTime: at(3) }])),
      target('busy', 'InProgress', [{ lifecycleEventName: 'AfterInstall', status: 'InProgress', startTime: at(5) }]),
      target('broken', 'Failed', [{ lifecycleEventName: 'ApplicationStart', status: 'Failed', startTime: at(2), endTime: at(4), diagnostics: { errorCode: 'ScriptFailed', message: 'exit 1', logTail: 'a\nb\nc\nd' } }]),
    ];
    const frame = liveFrame(view(hosts), T0 + 12_500, { columns: 100, rows: 10 });
    expect(frame).toHaveLength(10);
    expect(frame[0]).toBe('d-ABCDEFGHI  shop/web  InProgress  CodeDeployDefault.AllAtOnce  12.5s');
    expect(frame[1]).toBe('  30 succeeded, 1 failed, 1 in progress, 0 pending, 0 skipped');
    expect(frame[2]).toMatch(/^ {2}busy\s+AfterInstall\s+InProgress {2}7\.5s$/);
    expect(frame[3]).toMatch(/^ {2}broken\s+ApplicationStart\s+Failed\s+2\.0s {2}ScriptFailed: exit 1$/);
    expect(frame.slice(4, 7)).toEqual(['      │ b', '      │ c', '      │ d']);
    expect(frame[9]).toBe('  … 28 more: 28 succeeded');
  });

  it('keeps every line within the terminal width', () => {
    const long = target('h'.repeat(30), 'Failed', [{ lifecycleEventName: 'Install', status: 'Failed', diagnostics: { errorCode: 'UnknownError', message: 'x'.repeat(300), logTail: '' } }]);
    for (const line of liveFrame(view([long]), T0, { columns: 60, rows: 20 })) expect(line.length).toBeLessThanOrEqual(60);
  });
});
