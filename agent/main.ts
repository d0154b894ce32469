import { readFileSync } from 'node:fs';
import { logger } from '../workers/logging.js';
import { codecKeyTexts } from '../workers/payload-codec.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { ActivityNotFoundError, type Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { HostRegistration, LoadBalancerTarget } from '../workflows/contracts/hosts.js';
import { CONTROLLER_TASK_QUEUE, HOST_ID_PATTERN, hostRegistryWorkflowId, hostTaskQueue, WorkflowType } from '../workflows/contracts/naming.js';
import { registerHostSignal } from '../workflows/messages.js';
import type { S3ClientOnDemand } from '../workers/s3-client.js';
import { connectClient, connectWorker, resolveTemporalConfig, type TemporalTarget } from '../workers/connection.js';
import { afterRestart, createAgentActivities, eventFailure } from './activities.js';
import type { ArchiveLimits } from './archive.js';
import { withdrawCredentials } from './environ.js';
import { EventJournal } from './journal.js';
import { DEFAULT_GITHUB_API_URL, type GitHubAccess } from './revision.js';
import { AgentLayout } from './layout.js';

export interface AgentOptions {
  hostId: string;
  rootDir: string;
  tags?: Record<string, string>;
  zone?: string;
  /** How ELBv2 target groups address this host (in-place deployments with traffic control). */
  loadBalancerTarget?: LoadBalancerTarget;
  temporal?: TemporalTarget;
  /** The controller's task queue: where the host registry runs (default `gantry`). */
  controllerTaskQueue?: string;
  /** How long a graceful shutdown waits for the lifecycle event in flight (default 60 s). */
  shutdownGraceSeconds?: number;
  /** Deployment directories kept per deployment group (default 5). */
  maxRevisions?: number;
  /** A download that receives nothing for this long fails (default 60 s). */
  downloadStallSeconds?: number;
  archiveLimits?: Partial<ArchiveLimits>;
  /** GitHub revisions: the REST API's URL (default https://api.github.com) and a file holding the token. */
  github?: { apiUrl?: string; tokenFile?: string };
}

/** The environment variable an agent reads its GitHub token from (withdrawn like every credential). */
export const GITHUB_TOKEN_ENV = 'GANTRY_GITHUB_TOKEN';

export interface Agent {
  hostId: string;
  taskQueue: string;
  worker: Worker;
  /** Fails what a previous run left in flight, registers the host, then serves until shut down. */
  run(): Promise<void>;
  /** Graceful stop: the event in flight gets the shutdown grace to finish. */
  shutdown(): void;
}

/**
 * Fails, through their task tokens, the events a previous run of this agent left in progress, so
 * their deployments learn within seconds instead of waiting for a heartbeat timeout.
 */
export async function failInterruptedEvents(journal: EventJournal, client: Client): Promise<number> {
  let failed = 0;
  for (const entry of await journal.interrupted()) {
    const failure = afterRestart(entry.startedAt);
    // On a full disk the entry stays `started`: the next start fails it again, and the server ignores a repeat.
    await journal.write({ ...entry, agentInstance: journal.instance, state: 'failed', finishedAt: new Date().toISOString(), failure }).catch(() => undefined);
    if (!entry.taskToken) continue;
    try {
      await client.activity.fail(Buffer.from(entry.taskToken, 'base64'), eventFailure(failure));
      failed += 1;
    } catch (err) {
      // Already timed out or finished server-side: the journal still answers any retry.
      if (!(err instanceof ActivityNotFoundError)) throw err;
    }
  }
  return failed;
}

/** The agent's GitHub access: the token from its file (read once, at start) or GANTRY_GITHUB_TOKEN. */
export function gitHubAccess(options: AgentOptions['github'], env: NodeJS.ProcessEnv): GitHubAccess {
  const apiUrl = options?.apiUrl ?? DEFAULT_GITHUB_API_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(apiUrl);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:') throw new Error(`--github-api-url must be an https:// URL (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server); got ${JSON.stringify(apiUrl)}`);
  let token = env[GITHUB_TOKEN_ENV]?.trim() || undefined;
  if (options?.tokenFile) {
    try {
      token = readFileSync(options.tokenFile, 'utf8').trim() || undefined;
    } catch (err) {
      throw new Error(`--github-token-file ${options.tokenFile} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (!token) throw new Error(`--github-token-file ${options.tokenFile} is empty`);
  }
  return { apiUrl, ...(token ? { token } : {}) };
}

/** Creates (but does not run) a host agent: an activity-only worker on the host's own task queue. */
export async function createAgent(options: AgentOptions): Promise<Agent> {
  if (!HOST_ID_PATTERN.test(options.hostId)) {
    throw new Error(`--host-id ${JSON.stringify(options.hostId)} is not valid: use letters, digits, . _ - (at most 128, starting with a letter or digit)`);
  }
  // Everything that needs a credential is configured now; then no hook or child process can find them
  // in the agent's environment (docs/threat-model.md).
  const credentials = withdrawCredentials();
  const temporalConfig = resolveTemporalConfig(options.temporal, credentials.env);
  if (credentials.skipped) logger().warn(`credentials stay readable in /proc/${process.pid}/environ (${credentials.skipped})`);
  const github = gitHubAccess(options.github, credentials.env);
  // Whatever the agent holds never reaches its own log lines either.
  logger().addSecrets([...credentials.withdrawn.map((name) => credentials.env[name]), github.token, ...codecKeyTexts(temporalConfig.dataConverter)]);
  const layout = new AgentLayout(options.rootDir);
  await mkdir(layout.deploymentRoot, { recursive: true });
  const registration: Omit<HostRegistration, 'registeredAt'> = {
    hostId: options.hostId,
    tags: options.tags ?? {},
    zone: options.zone ?? null,
    ...(options.loadBalancerTarget ? { loadBalancerTarget: options.loadBalancerTarget } : {}),
  };
  // For operators only: a full disk must not keep the agent from starting (and failing what it left in flight).
  await writeFile(layout.hostFile, `${JSON.stringify(registration, null, 2)}\n`).catch((err: unknown) => {
    logger().warn(`could not write ${layout.hostFile} (${(err as Error).message}); continuing`);
  });
  const journal = new EventJournal(layout);
  const { connection, namespace, dataConverter } = await connectWorker(options.temporal, temporalConfig);
  const taskQueue = hostTaskQueue(options.hostId);
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    // Heartbeats carry cancellations back: a stop reaches a running hook within about a second,
    // rather than after 80% of the heartbeat timeout.
    maxHeartbeatThrottleInterval: '1s',
    ...(dataConverter ? { dataConverter } : {}),
    activities: createAgentActivities({
      hostId: options.hostId,
      layout,
      journal,
      s3: s3ClientOnDemand(credentials.env),
      github,
      maxRevisions: options.maxRevisions,
      archiveLimits: options.archiveLimits,
      ...(options.downloadStallSeconds ? { downloadStallTimeoutMs: options.downloadStallSeconds * 1000 } : {}),
    }),
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 60}s`,
    // A host runs one deployment's events at a time; a few slots cover overlapping groups.
    maxConcurrentActivityTaskExecutions: 4,
  });
  return {
    hostId: options.hostId,
    taskQueue,
    worker,
    async run() {
      const { client, connection: clientConnection } = await connectClient(options.temporal, temporalConfig);
      try {
        await failInterruptedEvents(journal, client);
        const controllerTaskQueue = options.controllerTaskQueue ?? CONTROLLER_TASK_QUEUE;
        await client.workflow.signalWithStart(WorkflowType.hostRegistry, {
          workflowId: hostRegistryWorkflowId(controllerTaskQueue),
          taskQueue: controllerTaskQueue,
          args: [{}],
          signal: registerHostSignal,
          signalArgs: [{ ...registration, registeredAt: new Date().toISOString() }],
        });
      } finally {
        await clientConnection.close();
      }
      await worker.run();
    },
    shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  };
}

/** The agent's S3 client, made (and the SDK loaded) on its first S3 revision only. */
export function s3ClientOnDemand(env: NodeJS.ProcessEnv): S3ClientOnDemand {
  let client: ReturnType<S3ClientOnDemand> | undefined;
  return () => (client ??= import('../workers/s3-client.js').then(({ s3ClientFromEnv }) => s3ClientFromEnv(env)));
}
