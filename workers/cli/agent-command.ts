import { INSIDE_ENV, simulatedHostUnsupported } from '../../agent/simulated-host.js';
import { startAgentProcess } from '../agent-process.js';
import { resolveTemporalConfig } from '../connection.js';
import { logger } from '../logging.js';
import { UsageError } from '../usage-error.js';
import { parseTags, required } from './args.js';
import { parse, PROCESS_FLAGS, runtimeSettings, target, taskQueueOf } from './common.js';

// `gantry agent`, in a module of its own: bin/gantry.mjs runs it without loading the other commands'
// modules (the AWS SDK's clients, the controller's), which keeps an idle agent small.

/** `--elb-target i-0abc`, `10.0.0.5:8080`: an instance ID or IP, and an optional port. */
function parseElbTarget(text: string): { id: string; port?: number } {
  const match = /^([A-Za-z0-9.:-]+?)(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) throw new UsageError(`--elb-target expects ID[:PORT] (an instance ID or IP address); got ${JSON.stringify(text)}`);
  return port === undefined ? { id: match[1] as string } : { id: match[1] as string, port };
}

/** `gantry agent`: the host agent (or, with --check, its preflight checks). */
export async function agentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    'host-id': { type: 'string' },
    root: { type: 'string' },
    tag: { type: 'string', multiple: true },
    zone: { type: 'string' },
    'simulated-host': { type: 'boolean' },
    'private-dir': { type: 'string', multiple: true },
    'controller-task-queue': { type: 'string' },
    'max-revisions': { type: 'string' },
    'download-stall-timeout': { type: 'string' },
    'elb-target': { type: 'string' },
    'github-api-url': { type: 'string' },
    'github-token-file': { type: 'string' },
    check: { type: 'boolean' },
    ...PROCESS_FLAGS,
  });
  // --region: the region's controller and, for S3 downloads, its region.
  const region = values.region as string | undefined;
  if (region !== undefined) process.env.AWS_REGION = region;
  const controllerTaskQueue = (values['controller-task-queue'] as string | undefined) ?? (region ? taskQueueOf(values) : undefined);
  const maxRevisions = values['max-revisions'] === undefined ? undefined : Number(values['max-revisions']);
  if (maxRevisions !== undefined && (!Number.isInteger(maxRevisions) || maxRevisions < 1)) {
    throw new UsageError(`--max-revisions must be a whole number of at least 1; got ${JSON.stringify(values['max-revisions'])}`);
  }
  const stall = values['download-stall-timeout'];
  const downloadStallSeconds = stall === undefined ? undefined : Number(stall);
  if (downloadStallSeconds !== undefined && (!Number.isInteger(downloadStallSeconds) || downloadStallSeconds < 1 || downloadStallSeconds > 3600)) {
    throw new UsageError(`--download-stall-timeout must be a whole number of seconds from 1 to 3600; got ${JSON.stringify(stall)}`);
  }
  const hostId = required('--host-id', values['host-id'] as string | undefined);
  const rootDir = required('--root', values.root as string | undefined);
  if (!rootDir.startsWith('/')) throw new UsageError(`--root must be an absolute path; got ${rootDir}`);
  const tags = parseTags((values.tag as string[] | undefined) ?? []);
  const zone = values.zone as string | undefined;
  const elbTarget = values['elb-target'] as string | undefined;
  const loadBalancerTarget = elbTarget === undefined ? undefined : parseElbTarget(elbTarget);
  const github = { apiUrl: values['github-api-url'] as string | undefined, tokenFile: values['github-token-file'] as string | undefined };
  // Checked before anything starts (the token file is read again, inside the host, by the agent itself).
  try {
    (await import('../../agent/main.js')).gitHubAccess(github, {});
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  if (values.check) {
    const [{ checkAgent }, { withdrawCredentials }] = await Promise.all([import('../../agent/check.js'), import('../../agent/environ.js')]);
    const lines = await checkAgent({ rootDir, temporal: target(values), controllerTaskQueue, env: withdrawCredentials().env });
    for (const line of lines) console.log(`${line.status.padEnd(4)} ${line.check}: ${line.detail}`);
    const failed = lines.filter((line) => line.status === 'fail').length;
    console.log(failed ? `${failed} check(s) failed: the agent would not work as configured` : 'the agent can run as configured');
    return failed ? 1 : 0;
  }
  if (values['simulated-host'] && process.env[INSIDE_ENV] !== '1') {
    const why = simulatedHostUnsupported();
    if (why) throw new UsageError(`--simulated-host: ${why}`);
    const config = resolveTemporalConfig(target(values));
    const child = startAgentProcess({
      hostId, rootDir, tags, zone, elbTarget, simulated: true, controllerTaskQueue, maxRevisions, downloadStallSeconds, github,
      address: config.address, namespace: config.namespace,
      privateDirs: values['private-dir'] as string[] | undefined,
      metricsListen: values['metrics-listen'] as string | undefined,
      codecKeyFile: values['codec-key-file'] as string | undefined,
      log: { level: values['log-level'] as string | undefined, format: values['log-format'] as string | undefined },
      output: (chunk) => process.stderr.write(chunk),
    });
    const stop = (): void => void child.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return (await child.exited) ?? 1;
  }
  const [{ createAgent }, { installRuntime }] = await Promise.all([import('../../agent/main.js'), import('../runtime.js')]);
  installRuntime(runtimeSettings(values, { gantry_process: 'agent', host_id: hostId }));
  const agent = await createAgent({ hostId, rootDir, tags, zone, loadBalancerTarget, controllerTaskQueue, maxRevisions, downloadStallSeconds, github, temporal: target(values) });
  logger().info(`gantry agent ${hostId}: polling ${agent.taskQueue} (root ${rootDir})`);
  await agent.run();
  return 0;
}
