import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** How much of an event's output is reported in its diagnostics (CodeDeploy reports 2 KB). */
export const LOG_TAIL_BYTES = 4096;

/**
 * A line longer than this is written in pieces of this size. Output with no newline at all (a binary
 * dump, a progress bar) then costs time and memory in proportion to its size, never more.
 */
export const MAX_LINE_CHARACTERS = 16 * 1024;

/** Default size bound of one deployment's scripts.log on the host. */
export const DEFAULT_SCRIPT_LOG_MAX_BYTES = 64 * 1024 * 1024;

export interface ScriptLogOptions {
  /** scripts.log stops growing here (one line says so); the tail and byte counts still follow the output. */
  maxBytes?: number;
}

type Stream = 'stdout' | 'stderr';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The CodeDeploy agent's scripts.log timestamp: the host's local time as `YYYY-MM-DD HH:MM:SS` (Ruby's
 * `Time#to_s` without its zone), so log tooling written for the agent reads Gantry's files unchanged.
 */
export function logTimestamp(at: Date = new Date()): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The output of one lifecycle event's scripts: every line goes to the deployment's scripts.log on the
 * host (CodeDeploy's format), and the last LOG_TAIL_BYTES, whole lines where possible, are kept for the
 * event's result. The file is bounded, and a write that fails (a full disk) is remembered in
 * `writeError` rather than thrown: the agent keeps running and the event reports it.
 */
export class ScriptLog {
  private readonly file: WriteStream;
  private readonly lines: string[] = [];
  private tailBytes = 0;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** Each stream's unterminated line, in pieces (joined once, when the line ends). */
  private readonly partial: Record<Stream, { pieces: string[]; length: number }> = { stdout: { pieces: [], length: 0 }, stderr: { pieces: [], length: 0 } };
  private fileBytes: number;
  private readonly maxBytes: number;
  private capped = false;
  /** The first error writing scripts.log (ENOSPC, EIO…), if any. */
  writeError?: NodeJS.ErrnoException;
  lastLine = '';
  totalBytes = 0;

  constructor(
    readonly path: string,
    options: ScriptLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_SCRIPT_LOG_MAX_BYTES;
    mkdirSync(dirname(path), { recursive: true });
    this.fileBytes = sizeOf(path); // earlier events of the deployment appended here already
    this.capped = this.fileBytes >= this.maxBytes;
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', (err: NodeJS.ErrnoException) => {
      this.writeError ??= err;
    });
  }

  /** A line written by the agent itself (event and script headers). */
  note(text: string): void {
    this.write(`${logTimestamp()} ${text}\n`);
  }

  /** A chunk of script output; split into lines, prefixed like CodeDeploy's scripts.log. */
  output(stream: Stream, chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoders[stream].write(chunk);
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n')) {
      this.append(stream, text.slice(0, newline));
      this.endLine(stream);
      text = text.slice(newline + 1);
    }
    this.append(stream, text);
  }

  /** Flushes unterminated last lines (a script whose output does not end in a newline). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.append(stream, rest);
      if (this.partial[stream].length > 0) this.endLine(stream);
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
      if (this.file.closed) return;
      // 'close' comes after 'error' too: by then a failed write is in writeError.
      await new Promise<void>((resolve) => {
        this.file.once('close', () => resolve());
        this.file.end();
      });
    })();
    return this.closing;
  }

  /** Adds text to the stream's current line, cutting the line into pieces when it grows too long. */
  private append(stream: Stream, text: string): void {
    const partial = this.partial[stream];
    while (text.length > 0) {
      const room = MAX_LINE_CHARACTERS - partial.length;
      partial.pieces.push(text.slice(0, room));
      partial.length += Math.min(room, text.length);
      text = text.slice(room);
      if (partial.length >= MAX_LINE_CHARACTERS) this.endLine(stream);
    }
  }

  private endLine(stream: Stream): void {
    const partial = this.partial[stream];
    const line = partial.pieces.join('');
    partial.pieces = [];
    partial.length = 0;
    this.addLine(stream, line);
  }

  private write(text: string): void {
    if (this.writeError || this.capped) return;
    const bytes = Buffer.byteLength(text);
    if (this.fileBytes + bytes > this.maxBytes) {
      this.capped = true;
      this.file.write(`${logTimestamp()} [gantry] scripts.log reached its limit of ${this.maxBytes} bytes; later output is not written here (the event's log tail still shows the end).\n`);
      return;
    }
    this.fileBytes += bytes;
    this.file.write(text);
  }

  private addLine(stream: Stream, line: string): void {
    const entry = `[${stream}]${line}`;
    this.write(`${logTimestamp()} ${entry}\n`);
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
