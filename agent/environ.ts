/**
 * Keeps the agent's credentials out of `/proc/<agent>/environ`. The kernel serves that file from the
 * environment block the process was started with, which changing `process.env` does not touch; any
 * root hook could otherwise read the agent's AWS keys and Temporal API key there. Each variable that
 * matches is first moved to a fresh copy (`process.env[k] = value` makes the C library allocate a new
 * string), so the SDKs still read it, then its value in the original block is overwritten through
 * `/proc/self/mem`. What a root hook can still reach is in docs/threat-model.md.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** Variables whose values are blanked in the start-up block: the agent's settings and anything secret-shaped. */
export const SCRUBBED_ENV = /^(AWS_|TEMPORAL_|GANTRY_)|SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE_KEY/i;

/** The start and end of the process's start-up environment block (fields 50 and 51 of /proc/self/stat). */
function environBlock(): { start: number; end: number } | undefined {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[47]);
  const end = Number(fields[48]);
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && end > start ? { start, end } : undefined;
}

/**
 * Blanks the values of matching variables in the start-up block; returns their names. Best effort:
 * off Linux, or where /proc/self/mem cannot be written, it returns the reason instead.
 */
export function scrubStartupEnvironment(pattern: RegExp = SCRUBBED_ENV): { scrubbed: string[] } | { skipped: string } {
  if (process.platform !== 'linux') return { skipped: 'not Linux' };
  let fd: number | undefined;
  try {
    const block = environBlock();
    if (!block) return { skipped: 'the environment block is not in /proc/self/stat' };
    fd = openSync('/proc/self/mem', 'r+');
    const bytes = Buffer.alloc(block.end - block.start);
    readSync(fd, bytes, 0, bytes.length, block.start);
    const scrubbed: string[] = [];
    let at = 0;
    while (at < bytes.length) {
      let end = bytes.indexOf(0, at);
      if (end === -1) end = bytes.length;
      const entry = bytes.subarray(at, end).toString('utf8');
      const equals = entry.indexOf('=');
      const name = equals > 0 ? entry.slice(0, equals) : '';
      if (name && pattern.test(name) && process.env[name] !== undefined) {
        const value = process.env[name];
        process.env[name] = value; // a fresh copy for the SDKs; the original is blanked below
        const valueStart = at + Buffer.byteLength(entry.slice(0, equals + 1));
        bytes.fill(0x2a, valueStart, end); // '*'
        scrubbed.push(name);
      }
      at = end + 1;
    }
    if (scrubbed.length > 0) writeSync(fd, bytes, 0, bytes.length, block.start);
    return { scrubbed };
  } catch (err) {
    return { skipped: (err as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
