import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CREDENTIAL_ENV } from '../../agent/environ.js';
import { CONTROLLER_TASK_QUEUE, REGION_PATTERN, regionTaskQueue } from '../../workflows/contracts/naming.js';
import type { TemporalTarget } from '../connection.js';
import { parseListen } from '../http-endpoint.js';
import { logger, logSettings, type LogSettings } from '../logging.js';
import { codecKeyTexts } from '../payload-codec.js';
import type { RuntimeSettings } from '../runtime.js';
import { UsageError } from '../usage-error.js';

// What every command shares: the connection flags, parsing, and a long-running process's settings. Kept
// apart from the commands themselves so `gantry agent` loads none of the controller's modules.

export const CONNECTION_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  profile: { type: 'string' },
  'codec-key-file': { type: 'string' },
  'task-queue': { type: 'string' },
  region: { type: 'string' },
  output: { type: 'string', default: 'json' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type Values = Record<string, string | boolean | string[] | undefined>;

export function parse<O extends ParseArgsConfig['options']>(argv: string[], options: O): Values {
  try {
    return parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function target(values: Values): TemporalTarget {
  return { address: values.address as string | undefined, namespace: values.namespace as string | undefined, profile: values.profile as string | undefined, codecKeyFile: values['codec-key-file'] as string | undefined };
}

/**
 * What every long-running process takes: `--metrics-listen HOST:PORT` (or GANTRY_METRICS_LISTEN), its
 * Prometheus endpoint; `--log-level` and `--log-format` (or GANTRY_LOG_LEVEL, GANTRY_LOG_FORMAT).
 */
export const PROCESS_FLAGS = { 'metrics-listen': { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' } } as const satisfies ParseArgsConfig['options'];

/** The log settings of a long-running process (JSON lines unless stderr is a terminal). */
export function processLogSettings(values: Values): LogSettings {
  try {
    return logSettings({ level: values['log-level'] as string | undefined, format: values['log-format'] as string | undefined }, process.env, Boolean(process.stderr.isTTY));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Masks, in the process's log lines, every credential in its environment, its tokens and the codec's keys. */
export function maskProcessSecrets(dataConverter?: Parameters<typeof codecKeyTexts>[0]): void {
  const credentials = Object.entries(process.env).filter(([name]) => CREDENTIAL_ENV.test(name)).map(([, value]) => value);
  logger().addSecrets([...credentials, process.env.GANTRY_HOOK_STATUS_TOKEN, ...codecKeyTexts(dataConverter)]);
}

/** The runtime settings of a long-running process: its logs, its metrics endpoint if asked for, and the tags both carry. */
export function runtimeSettings(values: Values, tags: Record<string, string>): RuntimeSettings {
  const log = processLogSettings(values);
  const listen = (values['metrics-listen'] as string | undefined) ?? process.env.GANTRY_METRICS_LISTEN;
  if (!listen) return { tags, log };
  const { host, port } = parseListen(listen, '--metrics-listen');
  return { tags, log, metricsListen: `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}` };
}

/** The controller queue a command talks to: --task-queue, else the --region's, else the default. */
export const taskQueueOf = (values: Values): string => {
  const region = values.region as string | undefined;
  if (region !== undefined && !REGION_PATTERN.test(region)) throw new UsageError(`--region must be an AWS region such as us-east-1; got ${JSON.stringify(region)}`);
  return (values['task-queue'] as string | undefined) ?? (region ? regionTaskQueue(region) : CONTROLLER_TASK_QUEUE);
};
