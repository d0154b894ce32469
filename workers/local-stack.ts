import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeName } from '../workflows/contracts/naming.js';
import { freePort, portInUse, spawnTied, stopProcess, waitUntil } from './processes.js';
import { motoServerPath, temporalCliPath } from './tools.js';

export interface LocalStackOptions {
  /** Where the dev server keeps its SQLite file (git-ignored). */
  dataDir: string;
  namespace?: string;
  /** Temporal frontend port; default: a free one. */
  port?: number;
  /** Web UI port; `false` runs headless. Default: 8233 when free, else a free one. */
  uiPort?: number | false;
  /** Also start moto server (AWS API emulator). */
  moto?: boolean;
  /** Forward the servers' own output to this process's stderr. */
  verbose?: boolean;
  /** More dynamic config for the dev server (KEY=VALUE), e.g. a low continue-as-new suggestion in tests. */
  dynamicConfig?: string[];
}

export interface LocalStack {
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  motoEndpoint?: string;
  /** The Temporal dev server's process (for the bench's CPU figures). */
  temporalPid?: number;
  stop(): Promise<void>;
}

/** Gantry's custom search attributes, all Keyword. */
export const GANTRY_SEARCH_ATTRIBUTES = Object.values(SearchAttributeName);

/** Keeps the last of a child's output (for its error message), and echoes it when verbose. */
export function collectOutput(child: ChildProcess, verbose: boolean): () => string {
  const chunks: string[] = [];
  const keep = (chunk: Buffer): void => {
    chunks.push(chunk.toString());
    if (chunks.length > 200) chunks.shift();
    if (verbose) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => chunks.join('').slice(-4000);
}

/**
 * Registers Gantry's search attributes on the namespace (idempotent). Needed because the dev server
 * only applies --search-attribute when it creates a new database file.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = GANTRY_SEARCH_ATTRIBUTES.filter((name) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
}

/**
 * The dev server has a single history shard, and each shard reads its task queues at most 20 times a
 * second by default: every activity or workflow task dispatch then waits for the next 50 ms tick, which
 * tripled the time of a deployment of no-op hooks. Reads are still driven by new tasks, so a higher
 * ceiling costs nothing when idle.
 */
const QUEUE_READ_RATES = ['transfer', 'timer', 'visibility'].map((queue) => `history.${queue}ProcessorMaxPollRPS=1000`);

/**
 * One partition per task queue. With the default four, a task scheduled before its queue's poller
 * arrived waits in one partition while the poller's long polls land on others: a host whose agent
 * started a moment late got its first event up to a minute late. Host queues carry a few tasks per
 * deployment, and the whole dev server is one process, so partitions buy nothing here.
 */
const SINGLE_PARTITION = ['Read', 'Write'].map((side) => `matching.numTaskqueue${side}Partitions=1`);

/**
 * Every agent holds one long poll on its queue all the time. The server's default allows 1,200 long
 * polls per namespace, so past about a thousand hosts agents were refused ("namespace concurrent
 * poller limit exceeded") and retried. Raised well past any fleet one machine's server can serve.
 */
const LONG_POLLS = ['frontend.namespaceCount=50000'];

async function startTemporal(options: LocalStackOptions, namespace: string): Promise<{ child: ChildProcess; address: string; uiUrl?: string }> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  let uiPort: number | undefined;
  if (options.uiPort !== false) uiPort = options.uiPort ?? ((await portInUse(8233)) ? await freePort() : 8233);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', join(options.dataDir, 'temporal.sqlite'),
    // Write-ahead log, synced at checkpoints: about 3× the throughput of SQLite's defaults, and
    // still nothing lost when a process (the server included) dies; only an OS crash could cost the last writes.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--namespace', namespace,
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    ...[...QUEUE_READ_RATES, ...SINGLE_PARTITION, ...LONG_POLLS, ...(options.dynamicConfig ?? [])].flatMap((setting) => ['--dynamic-config-value', setting]),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...GANTRY_SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
  ];
  const child = spawnTied(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child, options.verbose ?? false);
  const address = `127.0.0.1:${port}`;
  let connection: Connection | undefined;
  try {
    await waitUntil(
      `the Temporal dev server on ${address}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (code ${child.exitCode}):\n${output()}`);
        connection ??= await Connection.connect({ address, connectTimeout: 1000 });
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      },
      60_000,
      200,
    );
    await ensureSearchAttributes(connection as unknown as Connection, namespace);
  } catch (err) {
    await stopProcess(child, 2000);
    const exited = child.exitCode !== null ? `\n${output()}` : '';
    throw new Error(`${(err as Error).message}${exited}`, { cause: err });
  } finally {
    await connection?.close();
  }
  return { child, address, uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined };
}

export async function startMoto(verbose: boolean): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawnTied(motoServerPath(), ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
  });
  const output = collectOutput(child, verbose);
  let endpoint: string | undefined;
  try {
    await waitUntil(
      'moto server to report its port',
      async () => {
        if (child.exitCode !== null) throw new Error(`moto server exited (code ${child.exitCode}):\n${output()}`);
        const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
        endpoint = match?.[1];
        return endpoint !== undefined;
      },
      30_000,
    );
    // No Docker here: Lambda must use moto's Docker-less backend.
    const res = await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ lambda: { use_docker: false } }) });
    if (!res.ok) throw new Error(`moto server refused its configuration (HTTP ${res.status})`);
  } catch (err) {
    await stopProcess(child, 2000);
    throw err;
  }
  return { child, endpoint: endpoint as string };
}

/**
 * Starts the embedded stack: a Temporal dev server (SQLite file in `dataDir`, Gantry's search
 * attributes registered, readiness polled) and, when asked, moto server. `stop()` ends both.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const namespace = options.namespace ?? 'default';
  const temporal = await startTemporal(options, namespace);
  let moto: Awaited<ReturnType<typeof startMoto>> | undefined;
  try {
    if (options.moto) moto = await startMoto(options.verbose ?? false);
  } catch (err) {
    await stopProcess(temporal.child);
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    temporalAddress: temporal.address,
    namespace,
    uiUrl: temporal.uiUrl,
    motoEndpoint: moto?.endpoint,
    temporalPid: temporal.child.pid,
    stop() {
      stopping ??= Promise.all([stopProcess(temporal.child), moto ? stopProcess(moto.child) : undefined]).then(() => undefined);
      return stopping;
    },
  };
}
