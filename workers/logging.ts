/**
 * Gantry's process logs: one line per entry, JSON by default (plain text on a terminal), each carrying
 * the deployment ID, host ID and lifecycle event where there is one. The Temporal runtime's logger
 * (workers/runtime.ts) is this one, so the SDK's own lines, workflow `log` calls and activity `log`
 * calls all come out the same way. Secrets a process holds are masked in every line it writes.
 *
 * Settings: `--log-level` / `GANTRY_LOG_LEVEL` (trace, debug, info, warn, error; default info) and
 * `--log-format` / `GANTRY_LOG_FORMAT` (json or text; default text on a terminal, else json).
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A problem with a log setting, named for the operator. */
export class LogSettingError extends Error {
  override readonly name = 'LogSettingError';
}

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

/** Reads the level and format from flags (first) or the environment; `tty`: whether the output is a terminal. */
export function logSettings(flags: { level?: string; format?: string }, env: NodeJS.ProcessEnv, tty: boolean): LogSettings {
  const level = (flags.level ?? env.GANTRY_LOG_LEVEL ?? 'info').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new LogSettingError(`--log-level must be one of ${LOG_LEVELS.map((l) => l.toLowerCase()).join(', ')}; got ${JSON.stringify(flags.level ?? env.GANTRY_LOG_LEVEL)}`);
  const format = (flags.format ?? env.GANTRY_LOG_FORMAT ?? (tty ? 'text' : 'json')).toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new LogSettingError(`--log-format must be json or text; got ${JSON.stringify(flags.format ?? env.GANTRY_LOG_FORMAT)}`);
  return { level: level as LogLevel, format: format as LogFormat };
}

/** Agent activity types that are lifecycle events (their type is the event's name). */
const LIFECYCLE_EVENT = /^(ApplicationStop|DownloadBundle|BeforeInstall|Install|AfterInstall|ApplicationStart|ValidateService|BeforeBlockTraffic|AfterBlockTraffic|BeforeAllowTraffic|AfterAllowTraffic)$/;
const DEPLOYMENT_WORKFLOW_ID = /^(d-[0-9A-Z]{9})(?:\/([^/]+))?/;

/**
 * The Gantry fields of an entry: `deploymentId` and `hostId` from a deployment's or host's workflow ID
 * (`d-XXXXXXXXX[/host]`), `event` from an agent's activity type; explicit fields win.
 */
export function gantryFields(meta: LogMetadata, defaults: Record<string, string>): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...defaults };
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const id = workflowId ? DEPLOYMENT_WORKFLOW_ID.exec(workflowId) : null;
  if (id?.[1]) fields.deploymentId = id[1];
  if (id?.[2]) fields.hostId ??= id[2];
  if (typeof meta.activityType === 'string' && LIFECYCLE_EVENT.test(meta.activityType)) fields.event = meta.activityType;
  for (const key of ['deploymentId', 'hostId', 'event'] as const) if (meta[key] !== undefined) fields[key] = meta[key];
  return fields;
}

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

function plain(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export interface GantryLoggerOptions extends LogSettings {
  /** Fields on every line: the process (`agent`, `controller`, …) and, for an agent, its host ID. */
  fields: Record<string, string>;
  /** Messages not worth a line (the SDK's expected notices). */
  ignore?: RegExp[];
  write?: (line: string) => void;
}

export class GantryLogger implements Logger {
  private readonly secrets = new Set<string>();
  private readonly write: (line: string) => void;

  constructor(private readonly options: GantryLoggerOptions) {
    this.write = options.write ?? ((line) => process.stderr.write(line));
  }

  /** Masks these values wherever they would appear (credentials the process read, tokens, keys). Short values are ignored. */
  addSecrets(values: Iterable<string | undefined>): void {
    for (const value of values) {
      if (!value || value.length < 6) continue;
      this.secrets.add(value);
      this.secrets.add(JSON.stringify(value).slice(1, -1)); // as it appears inside a JSON string
    }
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (RANK[level] < RANK[this.options.level] || this.options.ignore?.some((pattern) => pattern.test(message))) return;
    const fields = gantryFields(meta, this.options.fields);
    const rest = Object.fromEntries(Object.entries(meta).filter(([key]) => !(key in fields)).map(([key, value]) => [key, plain(value)]));
    const line = this.options.format === 'json' ? `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields, ...rest })}\n` : this.text(level, message, fields, rest);
    this.write(this.mask(line));
  }

  private text(level: LogLevel, message: string, fields: Record<string, unknown>, rest: Record<string, unknown>): string {
    const where = ['deploymentId', 'hostId', 'event'].map((k) => fields[k]).filter((v) => v !== undefined).join(' ');
    const extra = Object.entries(rest)
      .filter(([key]) => !['sdkComponent', 'namespace', 'taskQueue', 'runId', 'workflowType', 'attempt', 'isLocal', 'activityId', 'taskToken'].includes(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return `${new Date().toISOString()} ${level.padEnd(5)} ${where ? `[${where}] ` : ''}${message}${extra ? ` ${extra}` : ''}\n`;
  }

  private mask(line: string): string {
    let masked = line;
    for (const secret of this.secrets) {
      if (!masked.includes(secret)) continue;
      masked = masked.split(secret).join('[redacted]');
    }
    return masked;
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let processLogger: GantryLogger | undefined;

/** The process's logger once `installRuntime` set it up; before that (CLI commands, tests), plain text on stderr at info. */
export function logger(): GantryLogger {
  processLogger ??= new GantryLogger({ level: 'INFO', format: 'text', fields: {} });
  return processLogger;
}

export function setProcessLogger(value: GantryLogger): void {
  processLogger = value;
}
