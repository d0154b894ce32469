import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';

/** Where to find Temporal. Unset fields come from Temporal's own configuration (env vars, profiles). */
export interface TemporalTarget {
  address?: string;
  namespace?: string;
  /** envconfig profile name (TEMPORAL_PROFILE). */
  profile?: string;
}

/**
 * Resolves connection settings the way the Temporal CLI does (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TLS settings, config-file profiles), then applies explicit overrides.
 */
export function resolveTemporalConfig(target: TemporalTarget = {}, env?: NodeJS.ProcessEnv): { address: string; namespace: string; options: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] } {
  // `env`: the environment to read instead of process.env (an agent's, taken before its credentials left it).
  const overrideEnvVars = env ? (Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>) : undefined;
  const config = loadClientConnectConfig({ ...(target.profile ? { profile: target.profile } : {}), ...(overrideEnvVars ? { overrideEnvVars } : {}) });
  const options = { ...config.connectionOptions };
  if (target.address) options.address = target.address;
  options.address ??= 'localhost:7233';
  return { address: options.address, namespace: target.namespace ?? config.namespace ?? 'default', options };
}

export type ResolvedTemporalConfig = ReturnType<typeof resolveTemporalConfig>;

/** `resolved`: settings read earlier (an agent reads them once, then takes its credentials out of the environment). */
export async function connectClient(target: TemporalTarget = {}, resolved?: ResolvedTemporalConfig): Promise<{ client: Client; connection: Connection; namespace: string }> {
  const { options, namespace } = resolved ?? resolveTemporalConfig(target);
  const connection = await Connection.connect(options as Parameters<typeof Connection.connect>[0]);
  return { client: new Client({ connection, namespace }), connection, namespace };
}

export async function connectWorker(target: TemporalTarget = {}, resolved?: ResolvedTemporalConfig): Promise<{ connection: NativeConnection; namespace: string }> {
  const { options, namespace } = resolved ?? resolveTemporalConfig(target);
  // Loaded here: client-only processes (the CLI's commands) never pay for the worker runtime.
  const { NativeConnection: Native } = await import('@temporalio/worker');
  return { connection: await Native.connect(options), namespace };
}
