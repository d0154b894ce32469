import { describe, expect, it } from 'vitest';
import { GantryLogger, gantryFields, logSettings } from '../../../workers/logging.js';

const capture = (settings: { level?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; format?: 'json' | 'text' } = {}) => {
  const lines: string[] = [];
  const logger = new GantryLogger({ level: settings.level ?? 'INFO', format: settings.format ?? 'json', fields: { gantry_process: 'agent', hostId: 'web-1' }, ignore: [/^No activities registered/], write: (line) => lines.push(line) });
  return { logger, lines, json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

describe('process logs', () => {
  it('writes one JSON object per line, with the deployment, host and event taken from the SDK context', () => {
    const { logger, json, lines } = capture();
    logger.info('ApplicationStart succeeded', { workflowId: 'd-ABCDEFGH1/web-1', activityType: 'ApplicationStart', durationMs: 12 });
    logger.info('deployment started', { workflowId: 'd-ABCDEFGH1', workflowType: 'deployment' });
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const [event, deployment] = json();
    expect(event).toMatchObject({ level: 'INFO', msg: 'ApplicationStart succeeded', gantry_process: 'agent', deploymentId: 'd-ABCDEFGH1', hostId: 'web-1', event: 'ApplicationStart', durationMs: 12 });
    expect(typeof event?.time).toBe('string');
    expect(deployment).toMatchObject({ deploymentId: 'd-ABCDEFGH1', hostId: 'web-1' });
    expect(deployment?.event).toBeUndefined();
  });

  it('takes the host from a host workflow ID and leaves non-event activities without an event', () => {
    expect(gantryFields({ workflowId: 'd-ABCDEFGH1/db-2', activityType: 'pollAlarms' }, {})).toEqual({ deploymentId: 'd-ABCDEFGH1', hostId: 'db-2' });
    expect(gantryFields({ workflowId: 'gantry/host-registry' }, {})).toEqual({});
    expect(gantryFields({ deploymentId: 'd-ZZZZZZZZZ', event: 'Install' }, { hostId: 'h' })).toEqual({ deploymentId: 'd-ZZZZZZZZZ', event: 'Install', hostId: 'h' });
  });

  it('drops entries below its level, and the notices it was told to ignore', () => {
    const { logger, json } = capture({ level: 'WARN' });
    logger.debug('noise');
    logger.info('still noise');
    logger.warn('No activities registered, not polling');
    logger.warn('kept');
    logger.error('also kept', { error: new Error('boom') });
    expect(json().map((e) => e.msg)).toEqual(['kept', 'also kept']);
    expect(json()[1]?.error).toMatchObject({ name: 'Error', message: 'boom' });
  });

  it('masks the secrets it holds wherever they appear, also inside JSON strings', () => {
    const { logger, lines } = capture({ level: 'TRACE' });
    logger.addSecrets(['s3cr3t-"quoted"-value', 'ghp_abcdefghijkl', undefined, 'short']);
    logger.info('token ghp_abcdefghijkl in a message', { header: 'Bearer ghp_abcdefghijkl', nested: { key: 's3cr3t-"quoted"-value' } });
    expect(lines.join('')).not.toContain('ghp_abcdefghijkl');
    expect(lines.join('')).not.toContain('s3cr3t');
    expect(lines.join('')).toContain('[redacted]');
    // Very short values are not masked (they would blank ordinary words).
    logger.info('a short word');
    expect(lines.at(-1)).toContain('a short word');
  });

  it('writes plain text lines for a terminal, the deployment, host and event in brackets', () => {
    const { logger, lines } = capture({ format: 'text' });
    logger.warn('ValidateService failed', { workflowId: 'd-ABCDEFGH1/web-1', activityType: 'ValidateService', outcome: 'Failed', taskQueue: 'q' });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ WARN {2}\[d-ABCDEFGH1 web-1 ValidateService\] ValidateService failed .*outcome=Failed/);
    expect(lines[0]).not.toContain('taskQueue');
  });

  it('reads its level and format from flags, then the environment, and names a bad value', () => {
    expect(logSettings({}, {}, false)).toEqual({ level: 'INFO', format: 'json' });
    expect(logSettings({}, {}, true)).toEqual({ level: 'INFO', format: 'text' });
    expect(logSettings({}, { GANTRY_LOG_LEVEL: 'debug', GANTRY_LOG_FORMAT: 'text' }, false)).toEqual({ level: 'DEBUG', format: 'text' });
    expect(logSettings({ level: 'error', format: 'json' }, { GANTRY_LOG_LEVEL: 'debug' }, true)).toEqual({ level: 'ERROR', format: 'json' });
    expect(() => logSettings({ level: 'verbose' }, {}, false)).toThrow(/--log-level must be one of trace, debug, info, warn, error; got "verbose"/);
    expect(() => logSettings({}, { GANTRY_LOG_FORMAT: 'xml' }, false)).toThrow(/--log-format must be json or text; got "xml"/);
  });
});
