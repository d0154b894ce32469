import { describe, expect, it } from 'vitest';
import type { RolloutInput } from '../../../workflows/contracts/rollout.js';
import { outsideWindow, validateRolloutInput } from '../../../workflows/contracts/rollout.js';
import { newRolloutView, RolloutMachine } from '../../../workflows/rollout-machine.js';

const region = (name: string) => ({ region: name, deploymentGroupName: 'web', revision: { revisionType: 'S3' as const, s3Location: { bucket: `b-${name}`, key: 'a.tgz', bundleType: 'tgz' as const } } });

describe('workflows/contracts/rollout: windows and input', () => {
  const window = { timeZone: 'Europe/Berlin', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const, start: '09:00', end: '17:00' };
  it.each([
    ['2026-12-01T10:00:00Z', undefined], // Tuesday 11:00 in Berlin
    ['2026-12-01T16:30:00Z', 'TUE 2026-12-01 17:30 (Europe/Berlin) is outside the deployment window MON,TUE,WED,THU,FRI 09:00-17:00'],
    ['2026-12-05T10:00:00Z', 'SAT 2026-12-05 11:00 (Europe/Berlin) is outside the deployment window MON,TUE,WED,THU,FRI 09:00-17:00'],
    ['2026-07-01T07:30:00Z', undefined], // summer time: 09:30 in Berlin
  ])('judges %s against a weekday office-hours window', (at, expected) => {
    expect(outsideWindow({ window: { ...window, days: [...window.days] } }, new Date(at))).toBe(expected);
  });

  it('handles windows past midnight and blackout dates', () => {
    const night = { window: { timeZone: 'UTC', days: ['FRI' as const], start: '22:00', end: '04:00' } };
    expect(outsideWindow(night, new Date('2026-12-04T23:00:00Z'))).toBeUndefined(); // Friday night
    expect(outsideWindow(night, new Date('2026-12-05T03:00:00Z'))).toBeUndefined(); // still Friday's window
    expect(outsideWindow(night, new Date('2026-12-05T23:00:00Z'))).toMatch(/outside the deployment window FRI 22:00-04:00/);
    expect(outsideWindow({ blackoutDates: ['2026-12-24'] }, new Date('2026-12-24T12:00:00Z'))).toBe('2026-12-24 is a blackout date (UTC)');
    expect(outsideWindow({}, new Date('2026-12-24T12:00:00Z'))).toBeUndefined();
  });

  it('names every problem of a bad rollout', () => {
    const problems = validateRolloutInput({ applicationName: 'shop', waves: [{ mode: 'ZIGZAG', bakeSeconds: -1, approval: { timeoutSeconds: 0 }, regions: [region('us-east-1'), region('us-east-1'), { ...region('mars-1'), deploymentGroupName: '' }] }], window: { timeZone: 'Mars/Olympus', start: '9am', end: '17:00' }, blackoutDates: ['24.12.2026'] }).join('\n');
    for (const expected of [/waves\[0\]\.mode must be SERIAL or PARALLEL/, /bakeSeconds must be a whole number/, /approval must be/, /us-east-1 is already in the rollout/, /regions\[2\]\.region must be an AWS region/, /regions\[2\]\.deploymentGroupName/, /window\.timeZone must be an IANA time zone/, /window\.start must be HH:MM/, /blackoutDates must list dates/]) {
      expect(problems).toMatch(expected);
    }
    expect(validateRolloutInput({ applicationName: 'shop', waves: [{ regions: [region('us-east-1')] }] })).toEqual([]);
  });
});

describe('workflows/rollout-machine: the wave planner', () => {
  const input: RolloutInput = { applicationName: 'shop', rollbackOnFailure: true, waves: [{ regions: [region('us-east-1'), region('us-west-2')], bakeSeconds: 60 }, { mode: 'PARALLEL', regions: [region('eu-west-1'), region('eu-central-1')], approval: { timeoutSeconds: 60 } }] };
  const machine = (): RolloutMachine => new RolloutMachine(input, newRolloutView('r-1', input, 'now'));

  it('checks revisions, deploys serially, bakes, waits at the gate, then deploys in parallel', () => {
    const m = machine();
    expect(m.next()).toEqual([{ kind: 'checkRevisions' }]);
    m.revisionsChecked([]);
    expect(m.next()).toEqual([{ kind: 'deploy', wave: 0, regions: [0] }]);
    m.regionStarted(0, 0, 'd-A');
    expect(m.next()).toEqual([{ kind: 'wait' }]);
    m.regionFinished(0, 0, 'Succeeded');
    expect(m.next()).toEqual([{ kind: 'deploy', wave: 0, regions: [1] }]);
    m.regionStarted(0, 1, 'd-B');
    m.regionFinished(0, 1, 'Succeeded');
    expect(m.next()).toEqual([{ kind: 'bake', wave: 0, seconds: 60 }]);
    m.bakeFinished(0);
    expect(m.next()).toEqual([{ kind: 'approve', wave: 1, timeoutSeconds: 60 }]);
    m.approved({ approved: true, approver: 'ana', at: 'now' });
    expect(m.next()).toEqual([{ kind: 'deploy', wave: 1, regions: [0, 1] }]);
    m.regionStarted(1, 0, 'd-C');
    m.regionStarted(1, 1, 'd-D');
    m.regionFinished(1, 1, 'Succeeded');
    expect(m.next()).toEqual([{ kind: 'wait' }]);
    m.regionFinished(1, 0, 'Succeeded');
    expect(m.next()).toEqual([{ kind: 'end', status: 'Succeeded' }]);
  });

  it('on a failure lets the wave\'s other regions finish, then rolls back newest first', () => {
    const m = machine();
    m.revisionsChecked([]);
    for (const r of [0, 1]) {
      m.next();
      m.regionStarted(0, r, `d-${r}`);
      m.regionFinished(0, r, 'Succeeded');
    }
    m.next();
    m.bakeFinished(0);
    m.next();
    m.approved({ approved: true, approver: 'ana', at: 'now' });
    m.next();
    m.regionStarted(1, 0, 'd-C');
    m.regionStarted(1, 1, 'd-D');
    m.regionFinished(1, 0, 'Failed', 'HEALTH_CONSTRAINTS');
    expect(m.next()).toEqual([{ kind: 'wait' }]);
    m.regionFinished(1, 1, 'Succeeded');
    const order: string[] = [];
    for (let step = m.next()[0]; step?.kind === 'rollback'; step = m.next()[0]) {
      order.push(`${step.wave}/${step.region}`);
      m.rolledBack(step.wave, step.region, { status: 'Succeeded' });
    }
    expect(order).toEqual(['1/1', '0/1', '0/0']);
    expect(m.next()).toEqual([{ kind: 'end', status: 'Failed', message: 'eu-west-1 (wave 2) failed: HEALTH_CONSTRAINTS' }]);
  });
});
