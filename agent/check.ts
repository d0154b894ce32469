/**
 * `gantry agent --check`: what an operator runs after installing an agent. It checks what the agent
 * needs, without starting it, and says what is wrong: the Temporal connection (and TLS, codec keys),
 * the namespace, a controller polling the host registry's queue, the state directory, root, AWS.
 */
import { access, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectClient, resolveTemporalConfig, type TemporalTarget } from '../workers/connection.js';
import { s3ClientFromEnv } from '../workers/s3-client.js';
import { CONTROLLER_TASK_QUEUE } from '../workflows/contracts/naming.js';

export interface CheckLine {
  status: 'ok' | 'warn' | 'fail';
  check: string;
  detail: string;
}

export interface AgentCheckOptions {
  rootDir: string;
  temporal: TemporalTarget;
  controllerTaskQueue?: string;
  env?: NodeJS.ProcessEnv;
}

const message = (err: unknown): string => ((err as Error).message ?? String(err)).split('\n')[0] ?? '';

async function stateDirectory(rootDir: string): Promise<CheckLine> {
  const probe = join(rootDir, `.gantry-check-${process.pid}`);
  try {
    await mkdir(rootDir, { recursive: true });
    await writeFile(probe, 'probe');
    await rm(probe);
    await access(rootDir, constants.R_OK | constants.W_OK | constants.X_OK);
    return { status: 'ok', check: 'state directory', detail: `${rootDir} is writable` };
  } catch (err) {
    return { status: 'fail', check: 'state directory', detail: `${rootDir} cannot be used: ${message(err)}` };
  }
}

async function temporal(options: AgentCheckOptions): Promise<CheckLine[]> {
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    const resolved = resolveTemporalConfig(options.temporal, options.env);
    // An operator waits for the answer: a server that is not there is said within a few seconds.
    const quick = { ...resolved.options, connectTimeout: '5s' } as typeof resolved.options; // a client option envconfig's type lacks
    connected = await connectClient(options.temporal, { ...resolved, options: quick });
  } catch (err) {
    return [{ status: 'fail', check: 'temporal', detail: message(err) }];
  }
  const { client, connection, namespace } = connected;
  const lines: CheckLine[] = [];
  try {
    try {
      await client.workflowService.describeNamespace({ namespace });
      lines.push({ status: 'ok', check: 'temporal', detail: `connected to ${connection.options.address}, namespace ${namespace}` });
    } catch (err) {
      lines.push({ status: 'fail', check: 'temporal', detail: `connected to ${connection.options.address}, but namespace ${namespace} cannot be used: ${message(err)}` });
      return lines;
    }
    const queue = options.controllerTaskQueue ?? CONTROLLER_TASK_QUEUE;
    try {
      const described = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType: 1 });
      lines.push(
        (described.pollers?.length ?? 0) > 0
          ? { status: 'ok', check: 'controller', detail: `a controller worker polls ${queue}` }
          : { status: 'warn', check: 'controller', detail: `no controller worker polls ${queue} now: the agent registers when one runs (gantry worker${queue === CONTROLLER_TASK_QUEUE ? '' : ` --task-queue ${queue}`})` },
      );
    } catch (err) {
      lines.push({ status: 'warn', check: 'controller', detail: `could not look at task queue ${queue}: ${message(err)}` });
    }
  } finally {
    await connection.close();
  }
  return lines;
}

async function aws(env: NodeJS.ProcessEnv): Promise<CheckLine> {
  const s3 = s3ClientFromEnv(env);
  try {
    const region = await s3.config.region();
    await s3.config.credentials();
    return { status: 'ok', check: 'aws', detail: `credentials found; region ${region}` };
  } catch (err) {
    return { status: 'warn', check: 'aws', detail: `no usable AWS credentials or region (${message(err)}): S3 revisions cannot be downloaded; other revisions are unaffected` };
  } finally {
    s3.destroy();
  }
}

export async function checkAgent(options: AgentCheckOptions): Promise<CheckLine[]> {
  const root: CheckLine =
    process.getuid?.() === 0
      ? { status: 'ok', check: 'user', detail: 'running as root' }
      : { status: 'warn', check: 'user', detail: `running as uid ${process.getuid?.()}: hooks with runas and files' owners need root; installed files will belong to this user` };
  const [state, connection, credentials] = await Promise.all([stateDirectory(options.rootDir), temporal(options), aws(options.env ?? process.env)]);
  return [root, state, ...connection, credentials];
}
