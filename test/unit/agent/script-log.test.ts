import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_TAIL_BYTES, logTimestamp, MAX_LINE_CHARACTERS, ScriptLog } from '../../../agent/script-log.js';
import { scratchDir } from '../../support/harness.js';

describe('agent/script-log', () => {
  it("stamps every line as the CodeDeploy agent does: local time, YYYY-MM-DD HH:MM:SS, then the entry", async () => {
    expect(logTimestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05');
    const path = join(scratchDir('log'), 'scripts.log');
    const log = new ScriptLog(path);
    log.note('LifecycleEvent - AfterInstall');
    log.note('Script - scripts/after.sh');
    log.output('stdout', 'out\n');
    log.output('stderr', 'err\n');
    await log.close();
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((line) => line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, '<time> '))).toEqual(['<time> LifecycleEvent - AfterInstall', '<time> Script - scripts/after.sh', '<time> [stdout]out', '<time> [stderr]err']);
  });

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

  it('cuts a line without newlines into bounded pieces, so its cost follows its size', async () => {
    const path = join(scratchDir('log'), 'scripts.log');
    const log = new ScriptLog(path);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 64; i += 1) log.output('stdout', chunk); // 4 MiB, one "line"
    await log.close();
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength((64 * chunk.length) / MAX_LINE_CHARACTERS);
    expect(lines.every((line) => line.endsWith(`[stdout]${'x'.repeat(MAX_LINE_CHARACTERS)}`))).toBe(true);
    expect(log.totalBytes).toBeGreaterThanOrEqual(64 * chunk.length);
    expect(log.tail().length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
  });

  it('keeps UTF-8 characters split across chunks whole', async () => {
    const log = new ScriptLog(join(scratchDir('log'), 'scripts.log'));
    const bytes = Buffer.from('héllo wörld\n');
    log.output('stdout', bytes.subarray(0, 2));
    log.output('stdout', bytes.subarray(2));
    await log.close();
    expect(log.tail()).toBe('[stdout]héllo wörld');
  });

  it('stops growing scripts.log at its limit, says so once, and still keeps the tail', async () => {
    const path = join(scratchDir('log'), 'scripts.log');
    const log = new ScriptLog(path, { maxBytes: 10_000 });
    for (let i = 0; i < 1000; i += 1) log.output('stdout', `line ${i}\n`);
    await log.close();
    const text = readFileSync(path, 'utf8');
    expect(text.length).toBeLessThan(10_000 + 300);
    expect(text.match(/reached its limit of 10000 bytes/g)).toHaveLength(1);
    expect(log.tail().endsWith('[stdout]line 999')).toBe(true);
  });

  it('remembers a write error instead of throwing it (the agent keeps running)', async () => {
    const dir = scratchDir('log');
    const log = new ScriptLog(join(dir, 'scripts.log'));
    const full = new ScriptLog('/dev/full');
    full.output('stdout', 'no room\n');
    await full.close();
    expect(full.writeError?.code).toBe('ENOSPC');
    log.output('stdout', 'fine\n');
    await log.close();
    expect(log.writeError).toBeUndefined();
  });
});
