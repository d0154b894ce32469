import { readFileSync } from 'node:fs';

/** One figure of BENCHMARKS.md: the measured value, its target, and how it was measured. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  /** Whether the value meets the target. */
  met: boolean;
  detail: string;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat CPU times

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); with `reapedChildren`,
 * also its children that have exited and been waited for (short-lived scripts). 0 once it has exited.
 */
export function processCpuSeconds(pid: number, options: { reapedChildren?: boolean } = {}): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name, which is parenthesised and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const own = (fields[11] as number) + (fields[12] as number);
  const children = options.reapedChildren ? (fields[13] as number) + (fields[14] as number) : 0;
  return (own + children) / CLOCK_TICKS_PER_SECOND;
}

/** A process's resident set now and at its peak, in MiB, from /proc (Linux). */
export function processMemoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** A process and all its descendants (from /proc/<pid>/task/<pid>/children). */
export function processTree(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i += 1) {
    const current = found[i] as number;
    try {
      const children = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim();
      if (children) found.push(...children.split(/\s+/).map(Number));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}
