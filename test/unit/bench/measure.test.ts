/** The bench's measuring helpers: medians, and a process's CPU, memory and descendants from /proc. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { median, processCpuSeconds, processMemoryMiB, processTree } from '../../../bench/measure.js';

describe('bench/measure', () => {
  it('takes the median of odd and even counts, and refuses none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/median of no values/);
  });

  it("reads this process's CPU time and resident memory as Node reports them", () => {
    const burn = Date.now() + 200;
    while (Date.now() < burn) Math.sqrt(Math.random());
    const usage = process.cpuUsage();
    const cpu = processCpuSeconds(process.pid);
    // /proc counts in clock ticks (10 ms), and both sides may have moved on between the two reads.
    expect(Math.abs(cpu - (usage.user + usage.system) / 1e6)).toBeLessThan(0.1);
    const memory = processMemoryMiB(process.pid);
    expect(memory.rss).toBeGreaterThan(10);
    expect(memory.peak).toBeGreaterThanOrEqual(memory.rss);
  });

  it('finds a process and its descendants', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore', detached: true });
    try {
      let tree: number[] = [];
      for (let i = 0; i < 50 && tree.length < 3; i += 1) {
        tree = processTree(process.pid);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(tree[0]).toBe(process.pid);
      expect(tree).toContain(child.pid);
      expect(tree.length).toBeGreaterThanOrEqual(3); // this process, sh, and sleep
    } finally {
      const exited = once(child, 'exit');
      process.kill(-(child.pid as number), 'SIGKILL'); // the group: sh and its sleep
      await exited;
    }
  });
});
