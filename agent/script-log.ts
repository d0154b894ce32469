import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** How much of an event's output is reported in its diagnostics (CodeDeploy reports 2 KB). */
export const LOG_TAIL_BYTES = 4096;

/**
 * The output of one lifecycle event's scripts: every line goes to the deployment's scripts.log on the
 * host (CodeDeploy's format), and the last LOG_TAIL_BYTES, whole lines where possible, are kept for the
 * event's result.
 */
export class ScriptLog {
  private readonly file: WriteStream;
  private readonly lines: string[] = [];
  private tailBytes = 0;
  private partial = { stdout: '', stderr: '' };
  lastLine = '';
  totalBytes = 0;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.file = createWriteStream(path, { flags: 'a' });
  }

  /** A line written by the agent itself (event and script headers). */
  note(text: string): void {
    this.file.write(`${new Date().toISOString()} ${text}\n`);
  }

  /** A chunk of script output; split into lines, prefixed like CodeDeploy's scripts.log. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString();
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.addLine(stream, line);
  }

  /** Flushes unterminated last lines (a script whose output does not end in a newline). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.addLine(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  tail(): string {
    return this.lines.join('\n');
  }

  private closing?: Promise<void>;

  /** Flushes and closes the log file; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      await new Promise<void>((resolve) => this.file.end(resolve));
    })();
    return this.closing;
  }

  private addLine(stream: 'stdout' | 'stderr', line: string): void {
    const entry = `[${stream}]${line}`;
    this.file.write(`${new Date().toISOString()} ${entry}\n`);
    this.totalBytes += Buffer.byteLength(line) + 1;
    this.lastLine = line;
    // A single huge line keeps only its end, so the tail stays bounded.
    const kept = entry.length > LOG_TAIL_BYTES ? entry.slice(entry.length - LOG_TAIL_BYTES) : entry;
    this.lines.push(kept);
    this.tailBytes += kept.length + 1;
    while (this.tailBytes > LOG_TAIL_BYTES && this.lines.length > 1) {
      this.tailBytes -= (this.lines.shift() as string).length + 1;
    }
  }
}
