import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_TAIL_BYTES, ScriptLog } from '../../../agent/script-log.js';
import { scratchDir } from '../../support/harness.js';

describe('agent/script-log', () => {
  it('keeps at most LOG_TAIL_BYTES of whole lines, newest last, and the full output in the file', async () => {
    const path = join(scratchDir('log'), 'scripts.log');
    const log = new ScriptLog(path);
    for (let i = 0; i < 2000; i += 1) log.output('stdout', `line ${i}\n`);
    await log.close();
    const tail = log.tail();
    expect(tail.length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(tail.length).toBeGreaterThan(LOG_TAIL_BYTES - 40);
    expect(tail.endsWith('[stdout]line 1999')).toBe(true);
    expect(tail.split('\n')[0]).toMatch(/^\[stdout\]line \d+$/);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(2000);
  });

  it('joins output split across chunks and flushes an unterminated last line', async () => {
    const log = new ScriptLog(join(scratchDir('log'), 'scripts.log'));
    log.output('stdout', 'hel');
    log.output('stdout', 'lo\nwor');
    log.output('stdout', 'ld');
    await log.close();
    expect(log.tail()).toBe('[stdout]hello\n[stdout]world');
  });
});
