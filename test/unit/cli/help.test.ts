import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandHelp, main } from '../../../workers/cli/main.js';

describe('workers/cli: help and unknown commands', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = (stream: 'log' | 'error'): string[] => {
    const lines: string[] = [];
    vi.spyOn(console, stream).mockImplementation((line: unknown) => void lines.push(String(line)));
    return lines;
  };

  it.each(['dev', 'worker', 'demo', 'create-deployment', 'create-rollout', 'put-lifecycle-event-hook-execution-status', 'delete-rollout-schedule'])(
    '`gantry %s --help` prints its usage and exits 0 without running it',
    async (command) => {
      const out = capture('log');
      expect(await main([command, '--help'])).toBe(0);
      expect(out.join('\n')).toContain(`Usage: gantry ${command} [options]`);
      expect(out.join('\n')).toMatch(new RegExp(`\\b${command}\\b`));
      expect(out.join('\n')).toContain('Connection (all commands)');
    },
  );

  it('shows a command\'s own flags, continuation lines included', () => {
    expect(commandHelp('create-deployment')).toMatch(/--application-name A --deployment-group-name G[\s\S]*--s3-location bucket=B/);
    expect(commandHelp('trigger-rollout-schedule')).toContain('--schedule-id S');
  });

  it('names an unknown command and the nearest known one, exiting 2', async () => {
    const err = capture('error');
    expect(await main(['create-rollot'])).toBe(2);
    expect(err.join('\n')).toBe('gantry: unknown command "create-rollot" (did you mean create-rollout?); `gantry --help` lists them');
  });
});
