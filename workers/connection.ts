import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { codecKeysFromSettings, EncryptingCodec, encryptingDataConverter } from './payload-codec.js';

/** Where to find Temporal. Unset fields come from Temporal's own configuration (env vars, profiles). */
export interface TemporalTarget {
  address?: string;
  namespace?: string;
  /** envconfig profile name (TEMPORAL_PROFILE). */
  profile?: string;
  /** `--codec-key-file`: the payload codec's keys (else GANTRY_CODEC_KEY_FILE / GANTRY_CODEC_KEYS). */
  codecKeyFile?: string;
}

/**
 * Resolves connection settings the way the Temporal CLI does (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TLS settings, config-file profiles), then applies explicit overrides.
 */
export function resolveTemporalConfig(
  target: TemporalTarget = {},
  env?: NodeJS.ProcessEnv,
): { address: string; namespace: string; options: ReturnType<typeof loadClientConnectConfig>['connectionOptions']; dataConverter?: DataConverter } {
  // `env`: the environment to read instead of process.env (an agent's, taken before its credentials left it).
  const overrideEnvVars = env ? (Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>) : undefined;
  const config = loadClientConnectConfig({ ...(target.profile ? { profile: target.profile } : {}), ...(overrideEnvVars ? { overrideEnvVars } : {}) });
  const options = { ...config.connectionOptions };
  if (target.address) options.address = target.address;
  options.address ??= 'localhost:7233';
  const keys = codecKeysFromSettings(target.codecKeyFile, env ?? process.env);
  return { address: options.address, namespace: target.namespace || config.namespace || 'default', options, ...(keys ? { dataConverter: encryptingDataConverter(new EncryptingCodec(keys)) } : {}) };
}

export type ResolvedTemporalConfig = ReturnType<typeof resolveTemporalConfig>;

/** A server that could not be reached: where, and what to check (said once, without a stack). */
export class ConnectionFailure extends Error {
  override readonly name = 'ConnectionFailure';
}

function unreachable(options: { address?: string; tls?: unknown; apiKey?: unknown }, err: unknown): ConnectionFailure {
  const how = options.tls ? 'with TLS' : 'without TLS';
  const reason = ((err as Error).message ?? String(err)).split('\n')[0];
  return new ConnectionFailure(
    `could not connect to Temporal at ${options.address} (${how}): ${reason}. Check that the server runs there and that its TLS settings match (TEMPORAL_TLS_*, TEMPORAL_API_KEY, or --profile); a server that requires client certificates refuses clients without one`,
    { cause: err },
  );
}

/** `resolved`: settings read earlier (an agent reads them once, then takes its credentials out of the environment). */
export async function connectClient(target: TemporalTarget = {}, resolved?: ResolvedTemporalConfig): Promise<{ client: Client; connection: Connection; namespace: string }> {
  const { options, namespace, dataConverter } = resolved ?? resolveTemporalConfig(target);
  let connection: Connection;
  try {
    connection = await Connection.connect(options as Parameters<typeof Connection.connect>[0]);
  } catch (err) {
    throw unreachable(options, err);
  }
  return { client: new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) }), connection, namespace };
}

/** `dataConverter`: what the worker must be created with (the payload codec, when it is on). */
export async function connectWorker(target: TemporalTarget = {}, resolved?: ResolvedTemporalConfig): Promise<{ connection: NativeConnection; namespace: string; dataConverter?: DataConverter }> {
  const { options, namespace, dataConverter } = resolved ?? resolveTemporalConfig(target);
  // Loaded here: client-only processes (the CLI's commands) never pay for the worker runtime.
  const { NativeConnection: Native } = await import('@temporalio/worker');
  try {
    return { connection: await Native.connect(options), namespace, ...(dataConverter ? { dataConverter } : {}) };
  } catch (err) {
    throw unreachable(options, err);
  }
}
