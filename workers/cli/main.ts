import { parseArgs, type ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import type { DeploymentInput, FileExistsBehavior } from '../../workflows/contracts/deployment.js';
import type { RevisionLocation } from '../../workflows/contracts/revision.js';
import { INSIDE_ENV, simulatedHostUnsupported } from '../../agent/simulated-host.js';
import { createAgent } from '../../agent/main.js';
import { startAgentProcess } from '../agent-process.js';
import { connectClient, connectWorker, resolveTemporalConfig, type TemporalTarget } from '../connection.js';
import { createControllerWorker } from '../controller.js';
import { followDeployment, getDeployment, startDeployment, UsageError } from '../deployments.js';
import { startLocalStack } from '../local-stack.js';
import { REPO_ROOT } from '../tools.js';
import { parseJson, parseList, parseShorthand, parseTags, required } from './args.js';
import { progressLines, summary } from './render.js';
import { runDemo } from '../demo.js';
import { installRuntime } from '../runtime.js';

const CONNECTION_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  profile: { type: 'string' },
  'task-queue': { type: 'string' },
  output: { type: 'string', default: 'json' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = Record<string, string | boolean | string[] | undefined>;

function parse<O extends ParseArgsConfig['options']>(argv: string[], options: O): Values {
  try {
    return parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function target(values: Values): TemporalTarget {
  return { address: values.address as string | undefined, namespace: values.namespace as string | undefined, profile: values.profile as string | undefined };
}

function output(values: Values): 'json' | 'text' {
  const value = values.output as string;
  if (value !== 'json' && value !== 'text') throw new UsageError(`--output must be json or text; got ${JSON.stringify(value)}`);
  return value;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const USAGE = `gantry: CodeDeploy-style deployments on Temporal

Usage: gantry <command> [options]

Deployments (flags mirror \`aws deploy\`):
  create-deployment  --application-name A --deployment-group-name G --target-hosts H1,H2
                     (--s3-location bucket=B,key=K,bundleType=tgz[,version=V][,eTag=E]
                      | --url-location url=https://…,sha256=HEX,bundleType=tgz
                      | --local-location path=/abs/dir-or-archive[,sha256=HEX] | --revision JSON)
                     [--deployment-config-name CodeDeployDefault.OneAtATime] [--description TEXT]
                     [--file-exists-behavior DISALLOW|OVERWRITE|RETAIN] [--ignore-application-stop-failures]
                     [--wait]
  get-deployment     --deployment-id d-XXXXXXXXX

Processes:
  dev                embedded Temporal dev server (+ moto with --moto) and a controller worker, in the foreground
  worker             a controller worker
  agent              --host-id ID --root DIR [--tag KEY=VALUE ...] [--zone ZONE] [--simulated-host]
                     [--controller-task-queue gantry] [--max-revisions 5]
  demo               the Quickstart: stack, controller, three simulated hosts, sample deployment [--keep-running]

Connection (all commands): --address HOST:PORT --namespace NS --profile NAME (default: Temporal's
environment variables and config file, as the temporal CLI). --task-queue overrides the controller
queue (default gantry). --output json|text.`;

/** The revision from exactly one of --s3-location, --local-location, --url-location (shorthand) or --revision (JSON). */
function revisionFromFlags(values: Record<string, unknown>): RevisionLocation {
  const given = (['s3-location', 'local-location', 'url-location', 'revision'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length > 1) throw new UsageError(`give one revision, not ${given.map((f) => `--${f}`).join(' and ')}`);
  const flag = given[0];
  if (flag === undefined) {
    throw new UsageError('a revision is required: --s3-location bucket=B,key=K,bundleType=tgz | --local-location path=/abs | --url-location url=https://…,sha256=…,bundleType=tgz | --revision JSON');
  }
  const text = values[flag] as string;
  if (flag === 'revision') return parseJson('--revision', text) as RevisionLocation;
  const fields = parseShorthand(`--${flag}`, text);
  // Shape only; validateDeploymentInput names any bad or missing field.
  if (flag === 's3-location') return { revisionType: 'S3', s3Location: fields as never };
  if (flag === 'url-location') return { revisionType: 'URL', url: fields as never };
  return { revisionType: 'Local', local: fields as never };
}

async function createDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    'application-name': { type: 'string' },
    'deployment-group-name': { type: 'string' },
    'deployment-config-name': { type: 'string' },
    description: { type: 'string' },
    'local-location': { type: 'string' },
    's3-location': { type: 'string' },
    'url-location': { type: 'string' },
    revision: { type: 'string' },
    'target-hosts': { type: 'string', multiple: true },
    'file-exists-behavior': { type: 'string' },
    'ignore-application-stop-failures': { type: 'boolean' },
    'deployment-id': { type: 'string' },
    wait: { type: 'boolean' },
  });
  const format = output(values);
  const revision = revisionFromFlags(values);
  const input: DeploymentInput = {
    applicationName: required('--application-name', values['application-name'] as string | undefined),
    deploymentGroupName: required('--deployment-group-name', values['deployment-group-name'] as string | undefined),
    revision,
    targetHosts: parseList((values['target-hosts'] as string[] | undefined) ?? []),
  };
  if (values['deployment-config-name']) input.deploymentConfigName = values['deployment-config-name'] as string;
  if (values.description) input.description = values.description as string;
  if (values['file-exists-behavior']) input.fileExistsBehavior = (values['file-exists-behavior'] as string).toUpperCase() as FileExistsBehavior;
  if (values['ignore-application-stop-failures']) input.ignoreApplicationStopFailures = true;

  const { client, connection } = await connectClient(target(values));
  try {
    const deploymentId = await startDeployment(client, input, {
      taskQueue: values['task-queue'] as string | undefined,
      deploymentId: values['deployment-id'] as string | undefined,
    });
    if (!values.wait) {
      if (format === 'json') print({ deploymentId });
      else console.log(deploymentId);
      return 0;
    }
    process.stderr.write(`deployment ${deploymentId} started\n`);
    let previous: Parameters<typeof progressLines>[0];
    const final = await followDeployment(client, deploymentId, (view) => {
      for (const line of progressLines(previous, view)) process.stderr.write(`${line}\n`);
      previous = view;
    });
    if (format === 'json') print({ deploymentInfo: final });
    else console.log(summary(final));
    return final.status === 'Succeeded' ? 0 : 1;
  } finally {
    await connection.close();
  }
}

async function getDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' } });
  const format = output(values);
  const { client, connection } = await connectClient(target(values));
  try {
    const view = await getDeployment(client, required('--deployment-id', values['deployment-id'] as string | undefined));
    if (format === 'json') print({ deploymentInfo: view });
    else console.log(summary(view));
    return 0;
  } finally {
    await connection.close();
  }
}

async function workerCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {});
  const { connection, namespace } = await connectWorker(target(values));
  const worker = await createControllerWorker({ connection, namespace, taskQueue: values['task-queue'] as string | undefined });
  console.error(`gantry controller worker: ${resolveTemporalConfig(target(values)).address}, namespace ${namespace}, task queue ${worker.options.taskQueue}`);
  await worker.run();
  await connection.close();
  return 0;
}

async function agentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    'host-id': { type: 'string' },
    root: { type: 'string' },
    tag: { type: 'string', multiple: true },
    zone: { type: 'string' },
    'simulated-host': { type: 'boolean' },
    'private-dir': { type: 'string', multiple: true },
    'controller-task-queue': { type: 'string' },
    'max-revisions': { type: 'string' },
  });
  const controllerTaskQueue = values['controller-task-queue'] as string | undefined;
  const maxRevisions = values['max-revisions'] === undefined ? undefined : Number(values['max-revisions']);
  if (maxRevisions !== undefined && (!Number.isInteger(maxRevisions) || maxRevisions < 1)) {
    throw new UsageError(`--max-revisions must be a whole number of at least 1; got ${JSON.stringify(values['max-revisions'])}`);
  }
  const hostId = required('--host-id', values['host-id'] as string | undefined);
  const rootDir = required('--root', values.root as string | undefined);
  if (!rootDir.startsWith('/')) throw new UsageError(`--root must be an absolute path; got ${rootDir}`);
  const tags = parseTags((values.tag as string[] | undefined) ?? []);
  const zone = values.zone as string | undefined;

  if (values['simulated-host'] && process.env[INSIDE_ENV] !== '1') {
    const why = simulatedHostUnsupported();
    if (why) throw new UsageError(`--simulated-host: ${why}`);
    const config = resolveTemporalConfig(target(values));
    const child = startAgentProcess({
      hostId, rootDir, tags, zone, simulated: true, controllerTaskQueue, maxRevisions,
      address: config.address, namespace: config.namespace,
      privateDirs: values['private-dir'] as string[] | undefined,
      output: (chunk) => process.stderr.write(chunk),
    });
    const stop = (): void => void child.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return (await child.exited) ?? 1;
  }
  const agent = await createAgent({ hostId, rootDir, tags, zone, controllerTaskQueue, maxRevisions, temporal: target(values) });
  console.error(`gantry agent ${hostId}: polling ${agent.taskQueue} (root ${rootDir})`);
  await agent.run();
  return 0;
}

async function devCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    headless: { type: 'boolean' },
    'data-dir': { type: 'string' },
    moto: { type: 'boolean' },
  });
  const stack = await startLocalStack({
    dataDir: (values['data-dir'] as string | undefined) ?? join(REPO_ROOT, '.gantry', 'dev'),
    port: values.port ? Number(values.port) : 7233,
    uiPort: values.headless ? false : values['ui-port'] ? Number(values['ui-port']) : undefined,
    moto: Boolean(values.moto),
    namespace: values.namespace as string | undefined,
  });
  try {
    const { connection } = await connectWorker({ address: stack.temporalAddress, namespace: stack.namespace });
    const worker = await createControllerWorker({ connection, namespace: stack.namespace, taskQueue: values['task-queue'] as string | undefined });
    console.log(`Temporal: ${stack.temporalAddress} (namespace ${stack.namespace})`);
    if (stack.uiUrl) console.log(`Temporal UI: ${stack.uiUrl}`);
    if (stack.motoEndpoint) console.log(`AWS emulator (moto): ${stack.motoEndpoint}`);
    console.log(`Join it: export TEMPORAL_ADDRESS=${stack.temporalAddress}; gantry agent --host-id h1 --root /tmp/h1`);
    console.log('Controller worker running; Ctrl-C stops everything.');
    await worker.run();
    await connection.close();
  } finally {
    await stack.stop();
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  installRuntime();
  switch (command) {
    case 'create-deployment':
      return createDeploymentCommand(rest);
    case 'get-deployment':
      return getDeploymentCommand(rest);
    case 'worker':
      return workerCommand(rest);
    case 'agent':
      return agentCommand(rest);
    case 'dev':
      return devCommand(rest);
    case 'demo': {
      const values = parse(rest, { 'keep-running': { type: 'boolean' } });
      return runDemo({ keepRunning: Boolean(values['keep-running']) });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`gantry: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}
