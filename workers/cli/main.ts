import type { ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import type { AlarmConfiguration, DeploymentInput, DeploymentView, FileExistsBehavior, LoadBalancerInfo } from '../../workflows/contracts/deployment.js';
import { DEPLOYMENT_STATUSES } from '../../workflows/contracts/deployment.js';
import type { BlueGreenDeploymentConfiguration, DeploymentWaitType, TargetInstances } from '../../workflows/contracts/blue-green.js';
import { describeRevision, type RevisionLocation } from '../../workflows/contracts/revision.js';
import { connectClient, connectWorker, resolveTemporalConfig, type TemporalTarget } from '../connection.js';
import {
  createDeploymentConfig,
  deleteDeploymentConfig,
  followDeployment,
  getDeployment,
  getDeploymentSummary,
  getDeploymentTarget,
  listDeploymentConfigs,
  listDeployments,
  startDeployment,
  stopDeployment,
  putLifecycleEventHookExecutionStatus,
  batchGetDeployments,
  batchGetDeploymentTargets,
  continueDeployment,
  UsageError,
} from '../deployments.js';
import type { DeploymentConfig, MinimumHealthyHosts } from '../../workflows/contracts/deployment-config.js';
import { findPredefinedConfig, PREDEFINED_CONFIGS } from '../../workflows/contracts/deployment-config.js';
import type { TagFilter } from '../../workflows/contracts/targets.js';
import type { TriggerConfig } from '../../workflows/contracts/triggers.js';
import type { AutoRollbackEvent, DeploymentGroupConfig } from '../../workflows/contracts/deployment-group.js';
import {
  createDeploymentGroup,
  createGroupDeployment,
  deploymentGroupExists,
  getDeploymentGroup,
  listDeploymentGroups,
  rollbackDeploymentGroup,
  updateDeploymentGroup,
  deleteDeploymentGroup,
  groupsUsingDeploymentConfig,
} from '../deployment-groups.js';
import { startLocalStack } from '../local-stack.js';
import { startCluster } from '../cluster.js';
import type * as Controller from '../controller.js';

type ControllerModule = typeof Controller;
import type { RuntimeSettings } from '../runtime.js';
import { GantryLogger, logger, setProcessLogger } from '../logging.js';
import { REPO_ROOT } from '../tools.js';
import { parseJson, parseList, parseNestedShorthand, parseShorthand, required } from './args.js';
import { parseListen, serveHookStatus } from '../hook-status-endpoint.js';
import { serveCodec } from '../codec-server.js';
import { codecKeysFromSettings, EncryptingCodec } from '../payload-codec.js';
import type { ComputePlatform, HookStatusReport } from '../../workflows/contracts/lambda.js';
import { applicationNamesOf, createApplication, deleteApplication, getApplication, listApplications, renameApplication } from '../applications.js';
import { batchGetApplicationRevisions, getApplicationRevision, listApplicationRevisions, registerApplicationRevision } from '../application-revisions.js';
import type { ListRevisionsOptions } from '../../workflows/contracts/application-revisions.js';
import { deregisterOnPremisesInstance, getOnPremisesInstance, listOnPremisesInstances, registerOnPremisesInstance, tagOnPremisesInstances } from '../on-premises.js';
import { readFileSync } from 'node:fs';
import type { RolloutInput } from '../../workflows/contracts/rollout.js';
import type { CalendarSpec } from '@temporalio/client';
import type { OVERLAP_POLICIES} from '../rollouts.js';
import { approveRollout, createRolloutSchedule, deleteRolloutSchedule, describeRolloutSchedule, getRollout, listRollouts, listRolloutSchedules, pauseRollout, pauseRolloutSchedule, startRollout, stopRollout, triggerRolloutSchedule } from '../rollouts.js';
import { LiveView } from './live-view.js';
import { maskProcessSecrets, parse, PROCESS_FLAGS, processLogSettings, runtimeSettings, target, taskQueueOf, type Values } from './common.js';
import { agentCommand } from './agent-command.js';
import { progressLines, rolloutSummary, summary } from './render.js';

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
  create-deployment  --application-name A --deployment-group-name G
                     targets: --target-hosts H1,H2 and/or (--tag-filters Key=K,Value=V,Type=KEY_AND_VALUE ...
                      | --tag-set JSON)   (filters OR; tag-set groups AND)
                     revision: --s3-location bucket=B,key=K,bundleType=tgz[,version=V][,eTag=E]
                      | --github-location repository=OWNER/REPO,commitId=FULL_SHA
                      | --url-location url=https://…,sha256=HEX,bundleType=tgz
                      | --local-location path=/abs/dir-or-archive[,sha256=HEX] | --revision JSON
                     [--deployment-config-name OneAtATime|HalfAtATime|AllAtOnce|CUSTOM] [--description TEXT]
                     [--update-outdated-instances-only] [--file-exists-behavior DISALLOW|OVERWRITE|RETAIN]
                     [--ignore-application-stop-failures] [--target-group-names TG1,TG2 [--traffic-timeout S]]
                     [--deployment-style deploymentType=IN_PLACE|BLUE_GREEN,deploymentOption=WITH_TRAFFIC_CONTROL|WITHOUT_TRAFFIC_CONTROL]
                     [--load-balancer-info JSON (targetGroupInfoList, or targetGroupPairInfoList for blue/green)]
                     [--blue-green-deployment-configuration JSON] [--target-instances JSON (blue/green replacement hosts)]
                     [--auto-scaling-groups NAME (hosts: its instances; COPY_AUTO_SCALING_GROUP copies it)]
                     [--schedule-to-start-timeout S] [--heartbeat-timeout S]
                     [--alarm-configuration '{"enabled":true,"alarms":[{"name":"A"}],"ignorePollAlarmFailure":false}'] [--wait]
  get-deployment     --deployment-id d-XXXXXXXXX [--with-events | --without-events]
  watch-deployment   --deployment-id d-XXXXXXXXX   (follows it to the end: a live view on a terminal, else JSON
                     lines, or plain lines with --output text; exit code 0 only if it succeeded)
  list-deployments   [--application-name A [--deployment-group-name G]] [--include-only-statuses Failed,Stopped]
  batch-get-deployments    --deployment-ids d-…,d-… (at most 25; IDs that are no deployment are left out)
  batch-get-deployment-targets  --deployment-id d-XXXXXXXXX --target-ids H1,H2 (at most 25)
  list-deployment-targets  --deployment-id d-XXXXXXXXX [--target-status Failed]
                     [--target-filters TargetStatus=Failed|Ready,ServerInstanceLabel=Blue|Green]
  continue-deployment      --deployment-id d-XXXXXXXXX [--deployment-wait-type READY_WAIT|TERMINATION_WAIT]
  get-deployment-target    --deployment-id d-XXXXXXXXX --target-id HOST
  stop-deployment    --deployment-id d-XXXXXXXXX [--auto-rollback-enabled]
  put-lifecycle-event-hook-execution-status  --deployment-id d-XXXXXXXXX
                     --lifecycle-event-hook-execution-id ID --status Succeeded|Failed   (a Lambda validation function's report)

Lambda deployments: --compute-platform Lambda, a revision that is the AppSpec
  (--s3-location bucket=B,key=appspec.yaml,bundleType=YAML|JSON|zip|tgz
   | --revision '{"revisionType":"AppSpecContent","appSpecContent":{"content":"…","sha256":"…"}}'),
  --deployment-config-name CodeDeployDefault.LambdaCanary10Percent5Minutes|LambdaLinear10PercentEvery1Minute|LambdaAllAtOnce|…
  [--lambda-hook-timeout S (default 3600)]; no targets, no load balancer.

Applications (every deployment group of an application shares its compute platform; the first group of
an application that does not exist yet registers it with the group's):
  create-application --application-name A [--compute-platform Server|Lambda]
  get-application    --application-name A
  list-applications
  update-application --application-name A --new-application-name B   (an application without deployment groups)
  delete-application --application-name A   (its groups and registered revisions too; refused while its deployments run)
  register-application-revision  --application-name A (a revision flag, as create-deployment) [--description TEXT]
  get-application-revision       --application-name A (a revision flag)   (its use, and which hosts each deployment put it on)
  list-application-revisions     --application-name A [--sort-by registerTime|firstUsedTime|lastUsedTime]
                     [--sort-order ascending|descending] [--s3-bucket B [--s3-key-prefix P]] [--deployed include|exclude|ignore]
  batch-get-application-revisions  --application-name A --revisions JSON (an array of revisions, at most 25)

Cross-region rollouts (one revision, region by region, in waves; each region's group deploys it):
  create-rollout     --rollout JSON|file://rollout.json [--rollout-id r-…] [--wait]
  get-rollout        --rollout-id r-…
  list-rollouts      [--application-name A]
  approve-rollout    --rollout-id r-… --approver NAME [--reject] [--comment TEXT]
  stop-rollout       --rollout-id r-… [--rollback] [--reason TEXT]
  pause-rollout | resume-rollout  --rollout-id r-…
  create-rollout-schedule  --schedule-id S --rollout JSON|file://… (--cron '0 9 * * MON-FRI'
                     | --calendar '{"dayOfWeek":"TUESDAY","hour":9}' | --interval 1h)
                     [--time-zone Europe/Berlin] [--overlap SKIP|BUFFER_ONE|…] [--catchup-window 10m] [--paused]
  list-rollout-schedules | describe-rollout-schedule | pause-rollout-schedule | unpause-rollout-schedule
  | trigger-rollout-schedule | delete-rollout-schedule   --schedule-id S

On-premises instances (managed centrally: once registered, an instance's tags are set here, not by its agent):
  register-on-premises-instance   --instance-name HOST (--iam-user-arn ARN | --iam-session-arn ARN)
  deregister-on-premises-instance --instance-name HOST   (no longer a target; register it again to deploy to it)
  get-on-premises-instance        --instance-name HOST
  list-on-premises-instances      [--registration-status Registered|Deregistered] [--tag-filters Key=K,Value=V,Type=KEY_AND_VALUE ...]
  add-tags-to-on-premises-instances | remove-tags-from-on-premises-instances
                     --instance-names H1,H2 --tags Key=K,Value=V [--tags …]

Deployment groups (a group decides targets and settings; create-deployment then only names a revision):
  create-deployment-group  --application-name A --deployment-group-name G (targets and settings as above)
                     [--auto-rollback-configuration enabled=true,events=DEPLOYMENT_FAILURE|DEPLOYMENT_STOP_ON_REQUEST]
                     [--outdated-instances-strategy UPDATE|IGNORE] [--concurrent-deployments QUEUE|REFUSE]
                     [--trigger-configurations '[{"triggerName","triggerTargetUrl","triggerEvents":[…]}]']
  update-deployment-group  (the same flags; only those given change)
  get-deployment-group     --application-name A --deployment-group-name G
  list-deployment-groups   [--application-name A]
  delete-deployment-group  --application-name A --deployment-group-name G   (refused while its deployments run)
  rollback           --application-name A --deployment-group-name G [--to-deployment-id d-…] [--wait]

Deployment configurations:
  create-deployment-config --deployment-config-name N --minimum-healthy-hosts type=FLEET_PERCENT,value=75
                           [--zonal-config JSON]
                         | --deployment-config-name N --compute-platform Lambda
                           --traffic-routing-config type=TimeBasedCanary,timeBasedCanary={canaryPercentage=10,canaryInterval=5}
                             (or TimeBasedLinear with timeBasedLinear={linearPercentage=10,linearInterval=1}, or AllAtOnce; or JSON)
  get-deployment-config    --deployment-config-name N
  list-deployment-configs
  delete-deployment-config --deployment-config-name N

Processes:
  dev                embedded Temporal dev server (+ moto with --moto) and a controller worker, in the foreground
  cluster            the Temporal server on PostgreSQL (4 history shards, SQL visibility) and a controller worker,
                     in the foreground: a production-shaped Temporal on one machine [--port 7233]
                     [--data-dir .gantry/cluster] [--history-shards 4] [--tls | --mtls (a throwaway CA; mtls: client certificates required)]
  worker             a controller worker [--region R: serves region R (queue gantry-R, R's AWS clients)]
                     [--hook-status-listen HOST:PORT: the endpoint Lambda validation functions report to]
                     [--metrics-listen HOST:PORT (or GANTRY_METRICS_LISTEN): Prometheus metrics at /metrics]
                     [--log-level trace|debug|info|warn|error (GANTRY_LOG_LEVEL; default info)]
                     [--log-format json|text (GANTRY_LOG_FORMAT; default text on a terminal, else json)]
  agent              --host-id ID --root DIR [--tag KEY=VALUE ...] [--zone ZONE] [--elb-target ID[:PORT]] [--simulated-host]
                     [--check: verify the connection, namespace, controller, state directory and AWS, then exit]
                     [--controller-task-queue gantry | --region R] [--max-revisions 5] [--download-stall-timeout 60]
                     [--github-api-url https://api.github.com] [--github-token-file PATH (or GANTRY_GITHUB_TOKEN)]
                     [--metrics-listen HOST:PORT (or GANTRY_METRICS_LISTEN)] [--log-level L] [--log-format F] (as worker)
  codec-server       decodes encrypted payloads for the Temporal UI and CLI (the codec's keys are required)
                     [--listen 127.0.0.1:8081] [--token-file PATH (or GANTRY_CODEC_SERVER_TOKEN): Bearer token required]
                     [--allow-origin http://localhost:8233 ...: the Temporal UI's origin, for browsers]
  demo               the Quickstart: stack, controller, three simulated hosts, sample deployment [--keep-running]

Connection (all commands): --address HOST:PORT --namespace NS --profile NAME (default: Temporal's
environment variables and config file, as the temporal CLI). --task-queue overrides the controller
queue (default gantry); --region R talks to region R's controller (queue gantry-R). --output json|text.
--codec-key-file PATH (or GANTRY_CODEC_KEY_FILE, or GANTRY_CODEC_KEYS): encrypt payloads with these
keys (ID:BASE64 lines, the first encrypts); every worker, agent and client needs the same keys.
gantry --version says the version, and whether it runs the compiled build (npm run build) or the sources.`;

/** The flags that give a revision: exactly one of them. */
const REVISION_FLAGS = {
  's3-location': { type: 'string' },
  'github-location': { type: 'string' },
  'url-location': { type: 'string' },
  'local-location': { type: 'string' },
  revision: { type: 'string' },
} as const;

/** The revision from exactly one of --s3-location, --github-location, --local-location, --url-location (shorthand) or --revision (JSON). */
function revisionFromFlags(values: Record<string, unknown>): RevisionLocation {
  const given = (Object.keys(REVISION_FLAGS) as (keyof typeof REVISION_FLAGS)[]).filter((flag) => values[flag] !== undefined);
  if (given.length > 1) throw new UsageError(`give one revision, not ${given.map((f) => `--${f}`).join(' and ')}`);
  const flag = given[0];
  if (flag === undefined) {
    throw new UsageError('a revision is required: --s3-location bucket=B,key=K,bundleType=tgz | --github-location repository=OWNER/REPO,commitId=SHA | --local-location path=/abs | --url-location url=https://…,sha256=…,bundleType=tgz | --revision JSON');
  }
  const text = values[flag] as string;
  if (flag === 'revision') return parseJson('--revision', text) as RevisionLocation;
  const fields = parseShorthand(`--${flag}`, text);
  // Shape only; validateDeploymentInput names any bad or missing field.
  if (flag === 's3-location') return { revisionType: 'S3', s3Location: fields as never };
  if (flag === 'url-location') return { revisionType: 'URL', url: fields as never };
  if (flag === 'github-location') return { revisionType: 'GitHub', gitHubLocation: fields as never };
  return { revisionType: 'Local', local: fields as never };
}

/** Flags that choose targets and how hosts are deployed: shared by deployments and deployment groups. */
const DEPLOYMENT_SETTINGS = {
  'deployment-config-name': { type: 'string' },
  'target-hosts': { type: 'string', multiple: true },
  'tag-filters': { type: 'string', multiple: true },
  'tag-set': { type: 'string' },
  'target-group-names': { type: 'string', multiple: true },
  'traffic-timeout': { type: 'string' },
  'deployment-style': { type: 'string' },
  'schedule-to-start-timeout': { type: 'string' },
  'heartbeat-timeout': { type: 'string' },
  'file-exists-behavior': { type: 'string' },
  'alarm-configuration': { type: 'string' },
  'blue-green-deployment-configuration': { type: 'string' },
  'load-balancer-info': { type: 'string' },
  'auto-scaling-groups': { type: 'string', multiple: true },
  'compute-platform': { type: 'string' },
  'lambda-hook-timeout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** The deployment settings given on the command line (only those given). */
function settingsFromFlags(values: Values): Partial<DeploymentGroupConfig> {
  const settings: Partial<DeploymentGroupConfig> = {};
  const hosts = parseList((values['target-hosts'] as string[] | undefined) ?? []);
  if (hosts.length > 0) settings.targetHosts = hosts;
  const filters = (values['tag-filters'] as string[] | undefined) ?? [];
  if (filters.length > 0) settings.tagFilters = filters.map((text) => parseShorthand('--tag-filters', text) as unknown as TagFilter);
  if (values['tag-set']) settings.tagSet = parseJson('--tag-set', values['tag-set'] as string) as TagFilter[][];
  const targetGroups = parseList((values['target-group-names'] as string[] | undefined) ?? []);
  if (values['load-balancer-info'] !== undefined) {
    if (targetGroups.length > 0) throw new UsageError('give --load-balancer-info or --target-group-names, not both');
    settings.loadBalancerInfo = parseJson('--load-balancer-info', values['load-balancer-info'] as string) as LoadBalancerInfo;
    if (values['traffic-timeout']) settings.loadBalancerInfo.trafficTimeoutSeconds = seconds('--traffic-timeout', values['traffic-timeout']);
  } else if (targetGroups.length > 0) {
    settings.loadBalancerInfo = { targetGroupInfoList: targetGroups.map((name) => ({ name })) };
    if (values['traffic-timeout']) settings.loadBalancerInfo.trafficTimeoutSeconds = seconds('--traffic-timeout', values['traffic-timeout']);
  } else if (values['traffic-timeout']) {
    throw new UsageError('--traffic-timeout needs --target-group-names');
  }
  // aws deploy's shorthand: deploymentType=IN_PLACE,deploymentOption=WITH_TRAFFIC_CONTROL (the group validates it).
  if (values['deployment-style']) settings.deploymentStyle = parseShorthand('--deployment-style', values['deployment-style'] as string) as unknown as DeploymentGroupConfig['deploymentStyle'];
  if (values['schedule-to-start-timeout'] || values['heartbeat-timeout']) {
    settings.agentTimeouts = {
      ...(values['schedule-to-start-timeout'] ? { scheduleToStartSeconds: seconds('--schedule-to-start-timeout', values['schedule-to-start-timeout']) } : {}),
      ...(values['heartbeat-timeout'] ? { heartbeatSeconds: seconds('--heartbeat-timeout', values['heartbeat-timeout']) } : {}),
    };
  }
  if (values['deployment-config-name']) settings.deploymentConfigName = values['deployment-config-name'] as string;
  if (values['file-exists-behavior']) settings.fileExistsBehavior = (values['file-exists-behavior'] as string).toUpperCase() as FileExistsBehavior;
  if (values['alarm-configuration']) settings.alarmConfiguration = parseJson('--alarm-configuration', values['alarm-configuration'] as string) as AlarmConfiguration;
  if (values['compute-platform']) settings.computePlatform = values['compute-platform'] as DeploymentGroupConfig['computePlatform'];
  if (values['lambda-hook-timeout']) settings.lambdaHookTimeoutSeconds = seconds('--lambda-hook-timeout', values['lambda-hook-timeout']);
  const autoScaling = parseList((values['auto-scaling-groups'] as string[] | undefined) ?? []);
  if (autoScaling.length > 0) settings.autoScalingGroups = autoScaling;
  if (values['blue-green-deployment-configuration']) {
    settings.blueGreenDeploymentConfiguration = parseJson('--blue-green-deployment-configuration', values['blue-green-deployment-configuration'] as string) as BlueGreenDeploymentConfiguration;
  }
  return settings;
}

/** Prints a deployment's ID, or with --wait follows it to the end; the exit code says whether it succeeded. */
async function reportDeployment(client: Awaited<ReturnType<typeof connectClient>>['client'], values: Values, deploymentId: string, queued = false): Promise<number> {
  const format = output(values);
  if (!values.wait) {
    if (format === 'json') print({ deploymentId, ...(queued ? { status: 'Queued' } : {}) });
    else console.log(deploymentId);
    return 0;
  }
  process.stderr.write(`deployment ${deploymentId} ${queued ? 'queued behind the deployment in progress' : 'started'}\n`);
  // Progress goes to stderr: live, redrawn in place, on a terminal; as plain lines otherwise.
  const show = progressWriter(process.stderr, 'view');
  const final = await followDeployment(client, deploymentId, show);
  show(undefined);
  if (format === 'json') print({ deploymentInfo: final });
  else console.log(summary(final));
  return final.status === 'Succeeded' ? 0 : 1;
}

/**
 * How a followed deployment is shown on `stream`: `view` redraws the live view in place when the
 * stream is a terminal and writes plain lines of what changed when it is not; `json` writes each
 * changed view as one JSON line. The returned function also takes `undefined`: the end.
 */
function progressWriter(stream: NodeJS.WriteStream, mode: 'view' | 'json'): (view: DeploymentView | undefined) => void {
  if (mode === 'json') return (view) => view && stream.write(`${JSON.stringify({ deploymentInfo: view })}\n`);
  if (stream.isTTY) {
    const live = new LiveView(stream);
    return (view) => (view ? live.update(view) : live.close());
  }
  let previous: DeploymentView | undefined;
  return (view) => {
    if (!view) return;
    for (const line of progressLines(previous, view)) stream.write(`${line}\n`);
    previous = view;
  };
}

/** Whether the user gave --output themselves (its default, json, is not a choice). */
const outputGiven = (argv: string[]): boolean => argv.some((arg) => arg === '--output' || arg.startsWith('--output='));

async function watchDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' } });
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  // On a terminal the live view, unless JSON was asked for; elsewhere JSON lines, or plain lines with --output text.
  const mode = outputGiven(argv) ? (output(values) === 'json' ? 'json' : 'view') : process.stdout.isTTY ? 'view' : 'json';
  const show = progressWriter(process.stdout, mode);
  const final = await withClient(values, (client) => followDeployment(client, deploymentId, show));
  show(undefined);
  return final.status === 'Succeeded' ? 0 : 1;
}

async function createDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    ...DEPLOYMENT_SETTINGS,
    'application-name': { type: 'string' },
    'deployment-group-name': { type: 'string' },
    description: { type: 'string' },
    ...REVISION_FLAGS,
    'update-outdated-instances-only': { type: 'boolean' },
    'ignore-application-stop-failures': { type: 'boolean' },
    'target-instances': { type: 'string' },
    'deployment-id': { type: 'string' },
    wait: { type: 'boolean' },
  });
  output(values);
  const revision = revisionFromFlags(values);
  const applicationName = required('--application-name', values['application-name'] as string | undefined);
  const deploymentGroupName = required('--deployment-group-name', values['deployment-group-name'] as string | undefined);
  const settings = settingsFromFlags(values);
  const targetInstances = values['target-instances'] ? (parseJson('--target-instances', values['target-instances'] as string) as TargetInstances) : undefined;
  const taskQueue = taskQueueOf(values);
  const { client, connection } = await connectClient(target(values));
  try {
    if (await deploymentGroupExists(client, applicationName, deploymentGroupName, taskQueue)) {
      // The group decides targets and settings; only per-deployment overrides are accepted here.
      const groupOnly = ['target-hosts', 'tag-filters', 'tag-set', 'target-group-names', 'traffic-timeout', 'deployment-style', 'schedule-to-start-timeout', 'heartbeat-timeout', 'alarm-configuration', 'blue-green-deployment-configuration', 'load-balancer-info', 'auto-scaling-groups', 'compute-platform', 'lambda-hook-timeout', 'deployment-id'].filter((f) => values[f] !== undefined);
      if (groupOnly.length > 0) throw new UsageError(`deployment group ${applicationName}/${deploymentGroupName} exists and sets these itself; change them with update-deployment-group: ${groupOnly.map((f) => `--${f}`).join(' ')}`);
      const started = await createGroupDeployment(client, { applicationName, deploymentGroupName }, {
        revision,
        ...(values.description ? { description: values.description as string } : {}),
        ...(settings.deploymentConfigName ? { deploymentConfigName: settings.deploymentConfigName } : {}),
        ...(settings.fileExistsBehavior ? { fileExistsBehavior: settings.fileExistsBehavior } : {}),
        ...(values['ignore-application-stop-failures'] ? { ignoreApplicationStopFailures: true } : {}),
        ...(values['update-outdated-instances-only'] ? { updateOutdatedInstancesOnly: true } : {}),
        ...(targetInstances ? { targetInstances } : {}),
      }, taskQueue);
      return await reportDeployment(client, values, started.deploymentId, started.status === 'Queued');
    }
    const input: DeploymentInput = { applicationName, deploymentGroupName, revision, ...settings };
    if (values['update-outdated-instances-only']) input.updateOutdatedInstancesOnly = true;
    if (values.description) input.description = values.description as string;
    if (values['ignore-application-stop-failures']) input.ignoreApplicationStopFailures = true;
    if (targetInstances) input.targetInstances = targetInstances;
    const deploymentId = await startDeployment(client, input, { taskQueue, deploymentId: values['deployment-id'] as string | undefined });
    return await reportDeployment(client, values, deploymentId);
  } finally {
    await connection.close();
  }
}

function seconds(flag: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds; got ${JSON.stringify(value)}`);
  return n;
}

/** Connects, runs `body` with the client, and closes the connection whatever happens. */
async function withClient<T>(values: Values, body: (client: Awaited<ReturnType<typeof connectClient>>['client']) => Promise<T>): Promise<T> {
  const { client, connection } = await connectClient(target(values));
  try {
    return await body(client);
  } finally {
    await connection.close();
  }
}

async function listDeploymentsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'deployment-group-name': { type: 'string' }, 'include-only-statuses': { type: 'string', multiple: true } });
  if (values['deployment-group-name'] && !values['application-name']) throw new UsageError('--deployment-group-name needs --application-name');
  const format = output(values);
  const statuses = parseList((values['include-only-statuses'] as string[] | undefined) ?? []);
  const unknown = statuses.filter((s) => !(DEPLOYMENT_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--include-only-statuses takes ${DEPLOYMENT_STATUSES.join(', ')}; got ${unknown.join(', ')}`);
  const deployments = await withClient(values, async (client) =>
    listDeployments(client, {
      // An application's deployments from before it was renamed are its own too.
      applicationName: values['application-name'] ? await applicationNamesOf(client, values['application-name'] as string, taskQueueOf(values)) : undefined,
      deploymentGroupName: values['deployment-group-name'] as string | undefined,
      statuses,
    }),
  );
  // The memo's revision location is for revision listings; list-deployments shows the revision's description.
  if (format === 'json') print({ deployments: deployments.map(({ revisionLocation: _, ...listed }) => listed) });
  else for (const d of deployments) console.log(`${d.deploymentId}  ${d.status ?? '?'}  ${d.applicationName ?? ''}/${d.deploymentGroupName ?? ''}  ${d.createTime}  ${d.revision ?? ''}`);
  return 0;
}

const GROUP_FLAGS = {
  ...DEPLOYMENT_SETTINGS,
  'application-name': { type: 'string' },
  'deployment-group-name': { type: 'string' },
  'auto-rollback-configuration': { type: 'string' },
  'outdated-instances-strategy': { type: 'string' },
  'concurrent-deployments': { type: 'string' },
  'trigger-configurations': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** `--auto-rollback-configuration enabled=true,events=DEPLOYMENT_FAILURE|DEPLOYMENT_STOP_ON_REQUEST` */
function groupFromFlags(values: Values): Partial<DeploymentGroupConfig> {
  const config: Partial<DeploymentGroupConfig> = settingsFromFlags(values);
  const rollback = values['auto-rollback-configuration'] as string | undefined;
  if (rollback) {
    const fields = parseShorthand('--auto-rollback-configuration', rollback);
    config.autoRollbackConfiguration = { enabled: fields.enabled === 'true', events: (fields.events ?? '').split('|').filter(Boolean) as AutoRollbackEvent[] };
  }
  if (values['outdated-instances-strategy']) config.outdatedInstancesStrategy = values['outdated-instances-strategy'] as 'UPDATE' | 'IGNORE';
  if (values['concurrent-deployments']) config.concurrentDeployments = values['concurrent-deployments'] as 'QUEUE' | 'REFUSE';
  if (values['trigger-configurations']) config.triggerConfigurations = parseJson('--trigger-configurations', values['trigger-configurations'] as string) as TriggerConfig[];
  return config;
}

function groupNames(values: Values): { applicationName: string; deploymentGroupName: string } {
  return {
    applicationName: required('--application-name', values['application-name'] as string | undefined),
    deploymentGroupName: required('--deployment-group-name', values['deployment-group-name'] as string | undefined),
  };
}

async function createDeploymentGroupCommand(argv: string[]): Promise<number> {
  const values = parse(argv, GROUP_FLAGS);
  const config = { ...groupFromFlags(values), ...groupNames(values) };
  const view = await withClient(values, (client) => createDeploymentGroup(client, config, taskQueueOf(values)));
  print({ deploymentGroupId: view.deploymentGroupId, deploymentGroupInfo: view });
  return 0;
}

async function updateDeploymentGroupCommand(argv: string[]): Promise<number> {
  const values = parse(argv, GROUP_FLAGS);
  const names = groupNames(values);
  const view = await withClient(values, async (client) => {
    const current = await getDeploymentGroup(client, names.applicationName, names.deploymentGroupName, taskQueueOf(values));
    const changes = groupFromFlags(values);
    const targets = changes.targetHosts || changes.tagFilters || changes.tagSet ? { targetHosts: undefined, tagFilters: undefined, tagSet: undefined } : {};
    const merged = JSON.parse(JSON.stringify({ ...current.config, ...targets, ...changes })) as DeploymentGroupConfig;
    return updateDeploymentGroup(client, merged, taskQueueOf(values));
  });
  print({ deploymentGroupInfo: view });
  return 0;
}

async function getDeploymentGroupCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'deployment-group-name': { type: 'string' } });
  const names = groupNames(values);
  const view = await withClient(values, (client) => getDeploymentGroup(client, names.applicationName, names.deploymentGroupName, taskQueueOf(values)));
  if (output(values) === 'json') print({ deploymentGroupInfo: view });
  else {
    console.log(`${names.applicationName}/${names.deploymentGroupName}  in progress: ${view.inProgress ?? '-'}  queued: ${view.queued.join(',') || '-'}  last successful: ${view.lastSuccessfulDeployment?.deploymentId ?? '-'}`);
    for (const r of view.history) console.log(`  ${r.deploymentId}  ${r.status}  ${r.creator}  ${r.createTime}`);
  }
  return 0;
}

async function listDeploymentGroupsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' } });
  const groups = await withClient(values, (client) => listDeploymentGroups(client, values['application-name'] as string | undefined, taskQueueOf(values)));
  print({ deploymentGroups: groups });
  return 0;
}

async function rollbackCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'deployment-group-name': { type: 'string' }, 'to-deployment-id': { type: 'string' }, wait: { type: 'boolean' } });
  const names = groupNames(values);
  const { client, connection } = await connectClient(target(values));
  try {
    const toDeploymentId = values['to-deployment-id'] as string | undefined;
    const started = await rollbackDeploymentGroup(client, names, toDeploymentId ? { toDeploymentId } : {}, taskQueueOf(values));
    return await reportDeployment(client, values, started.deploymentId, started.status === 'Queued');
  } finally {
    await connection.close();
  }
}

async function stopDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'auto-rollback-enabled': { type: 'boolean' } });
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  const result = await withClient(values, (client) => stopDeployment(client, deploymentId, { autoRollback: Boolean(values['auto-rollback-enabled']) }));
  if (output(values) === 'json') print(result);
  else console.log(`${result.status}: ${result.statusMessage}`);
  return 0;
}

async function continueDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'deployment-wait-type': { type: 'string' } });
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  // aws deploy's default wait type is READY_WAIT.
  const waitType = ((values['deployment-wait-type'] as string | undefined) ?? 'READY_WAIT') as DeploymentWaitType;
  const result = await withClient(values, (client) => continueDeployment(client, deploymentId, waitType));
  if (output(values) === 'json') print(result);
  else console.log(`${deploymentId}: ${waitType === 'READY_WAIT' ? 'rerouting traffic to the replacement hosts' : 'retiring the original hosts now'}`);
  return 0;
}

async function listDeploymentTargetsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'target-status': { type: 'string', multiple: true }, 'target-filters': { type: 'string' } });
  const format = output(values);
  // aws deploy's --target-filters TargetStatus=Failed,ServerInstanceLabel=Blue (values joined by |), or --target-status.
  const filters = values['target-filters'] ? parseShorthand('--target-filters', values['target-filters'] as string) : {};
  const unknown = Object.keys(filters).filter((k) => k !== 'TargetStatus' && k !== 'ServerInstanceLabel');
  if (unknown.length > 0) throw new UsageError(`--target-filters takes TargetStatus and ServerInstanceLabel; got ${unknown.join(', ')}`);
  const wanted = [...parseList((values['target-status'] as string[] | undefined) ?? []), ...(filters.TargetStatus ?? '').split('|').filter(Boolean)];
  const labels = (filters.ServerInstanceLabel ?? '').split('|').filter(Boolean);
  const badLabel = labels.find((l) => l !== 'Blue' && l !== 'Green');
  if (badLabel) throw new UsageError(`ServerInstanceLabel must be Blue or Green; got ${badLabel}`);
  const summary = await withClient(values, (client) => getDeploymentSummary(client, required('--deployment-id', values['deployment-id'] as string | undefined)));
  const targets = summary.targets.filter((t) => (wanted.length === 0 || wanted.includes(t.status)) && (labels.length === 0 || (t.instanceLabel !== undefined && labels.includes(t.instanceLabel))));
  if (format === 'json') print({ targets });
  else for (const t of targets) console.log(`${t.targetId}  ${t.status}${t.instanceLabel ? `  ${t.instanceLabel}` : ''}${t.failedEvent ? `  ${t.failedEvent.lifecycleEventName}: ${t.failedEvent.diagnostics.message}` : ''}`);
  return 0;
}

async function getDeploymentTargetCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'target-id': { type: 'string' } });
  const format = output(values);
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  const targetId = required('--target-id', values['target-id'] as string | undefined);
  const view = await withClient(values, async (client) => getDeploymentTarget(client, await getDeploymentSummary(client, deploymentId), targetId));
  if (format === 'json') print({ deploymentTarget: view });
  else {
    console.log(`${view.targetId}  ${view.status}`);
    for (const e of view.lifecycleEvents) console.log(`  ${e.lifecycleEventName.padEnd(18)} ${e.status}${e.diagnostics && e.status === 'Failed' ? `: ${e.diagnostics.errorCode}: ${e.diagnostics.message}` : ''}`);
  }
  return 0;
}

async function createDeploymentConfigCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    'deployment-config-name': { type: 'string' },
    'minimum-healthy-hosts': { type: 'string' },
    'zonal-config': { type: 'string' },
    'compute-platform': { type: 'string' },
    'traffic-routing-config': { type: 'string' },
  });
  const platform = (values['compute-platform'] as string | undefined) ?? 'Server';
  const minimumText = values['minimum-healthy-hosts'] as string | undefined;
  if (platform !== 'Lambda' && minimumText === undefined) throw new UsageError('--minimum-healthy-hosts type=FLEET_PERCENT|HOST_COUNT,value=N is required (or --compute-platform Lambda --traffic-routing-config …)');
  const minimum = minimumText === undefined ? undefined : parseShorthand('--minimum-healthy-hosts', minimumText);
  const routing = values['traffic-routing-config'] as string | undefined;
  const config = {
    deploymentConfigName: required('--deployment-config-name', values['deployment-config-name'] as string | undefined),
    ...(values['compute-platform'] ? { computePlatform: platform } : {}),
    ...(minimum ? { minimumHealthyHosts: { type: minimum.type, value: minimum.value === undefined ? undefined : Number(minimum.value) } as MinimumHealthyHosts } : {}),
    ...(values['zonal-config'] ? { zonalConfig: parseJson('--zonal-config', values['zonal-config'] as string) } : {}),
    ...(routing ? { trafficRoutingConfig: routing.trim().startsWith('{') ? parseJson('--traffic-routing-config', routing) : parseNestedShorthand('--traffic-routing-config', routing) } : {}),
  } as DeploymentConfig;
  const created = await withClient(values, (client) => createDeploymentConfig(client, config, taskQueueOf(values)));
  print({ deploymentConfigInfo: created });
  return 0;
}

async function getDeploymentConfigCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-config-name': { type: 'string' } });
  const name = required('--deployment-config-name', values['deployment-config-name'] as string | undefined);
  const config = findPredefinedConfig(name) ?? (await withClient(values, (client) => listDeploymentConfigs(client, taskQueueOf(values)))).find((c) => c.deploymentConfigName === name);
  if (!config) throw new UsageError(`deployment configuration ${name} does not exist`);
  print({ deploymentConfigInfo: config });
  return 0;
}

async function listDeploymentConfigsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {});
  const custom = await withClient(values, (client) => listDeploymentConfigs(client, taskQueueOf(values)));
  // As CodeDeploy's ListDeploymentConfigs: the custom configurations and every predefined one, Lambda's included.
  print({ deploymentConfigsList: [...custom.map((c) => c.deploymentConfigName), ...PREDEFINED_CONFIGS.map((c) => c.deploymentConfigName).sort()] });
  return 0;
}

async function deleteDeploymentConfigCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-config-name': { type: 'string' } });
  const name = required('--deployment-config-name', values['deployment-config-name'] as string | undefined);
  if (PREDEFINED_CONFIGS.some((c) => c.deploymentConfigName === name)) throw new UsageError(`${name} is predefined and cannot be deleted (InvalidOperationException)`);
  await withClient(values, async (client) => {
    // As CodeDeploy, a configuration a deployment group names stays until the group names another.
    const using = await groupsUsingDeploymentConfig(client, name, taskQueueOf(values));
    if (using.length > 0) throw new UsageError(`deployment configuration ${name} is used by deployment group ${using.join(', ')} (DeploymentConfigInUseException); change or delete the group first`);
    await deleteDeploymentConfig(client, name, taskQueueOf(values));
  });
  if (output(values) === 'json') print({ deploymentConfigName: name, deleted: true });
  return 0;
}

async function getDeploymentCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'with-events': { type: 'boolean' }, 'without-events': { type: 'boolean' } });
  const format = output(values);
  const withEvents = values['with-events'] ? true : values['without-events'] ? false : undefined;
  const { client, connection } = await connectClient(target(values));
  try {
    const view = await getDeployment(client, required('--deployment-id', values['deployment-id'] as string | undefined), { withEvents });
    if (format === 'json') print({ deploymentInfo: view });
    else console.log(summary(view));
    return 0;
  } finally {
    await connection.close();
  }
}

/** `--hook-status-listen HOST:PORT` (or GANTRY_HOOK_STATUS_LISTEN): where Lambda validation functions report. */
const HOOK_STATUS_FLAGS = { 'hook-status-listen': { type: 'string' }, ...PROCESS_FLAGS } as const satisfies ParseArgsConfig['options'];

/** Serves the hook status endpoint while `body` runs, when asked for. */
async function withHookStatusEndpoint(values: Values, temporal: TemporalTarget, body: () => Promise<void>): Promise<void> {
  const listen = (values['hook-status-listen'] as string | undefined) ?? process.env.GANTRY_HOOK_STATUS_LISTEN;
  if (!listen) return body();
  const { client, connection } = await connectClient(temporal);
  const endpoint = await serveHookStatus(client, { ...parseListen(listen), token: process.env.GANTRY_HOOK_STATUS_TOKEN });
  logger().info(`Lambda hook status endpoint: ${endpoint.url} (PutLifecycleEventHookExecutionStatus)`);
  try {
    await body();
  } finally {
    await endpoint.close();
    await connection.close();
  }
}

async function workerCommand(argv: string[]): Promise<number> {
  const values = parse(argv, HOOK_STATUS_FLAGS);
  const { createControllerWorker } = await workerModules(runtimeSettings(values, { gantry_process: 'controller' }));
  const { connection, namespace, dataConverter } = await connectWorker(target(values));
  maskProcessSecrets(dataConverter);
  const worker = await createControllerWorker({ connection, namespace, dataConverter, taskQueue: taskQueueOf(values), ...(values.region ? { region: values.region as string } : {}) });
  logger().info(`gantry controller worker${values.region ? ` for ${String(values.region)}` : ''}: ${resolveTemporalConfig(target(values)).address}, namespace ${namespace}, task queue ${worker.options.taskQueue}`);
  await withHookStatusEndpoint(values, target(values), () => worker.run());
  await connection.close();
  return 0;
}

/** `gantry codec-server`: decodes (and encodes) payloads for the Temporal UI and CLI, until SIGINT or SIGTERM. */
async function codecServerCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { listen: { type: 'string' }, 'token-file': { type: 'string' }, 'allow-origin': { type: 'string', multiple: true }, 'log-level': PROCESS_FLAGS['log-level'], 'log-format': PROCESS_FLAGS['log-format'] });
  const log = new GantryLogger({ ...processLogSettings(values), fields: { gantry_process: 'codec-server' } });
  setProcessLogger(log);
  const keys = codecKeysFromSettings(values['codec-key-file'] as string | undefined);
  if (!keys) throw new UsageError('codec-server needs the payload codec\'s keys: --codec-key-file PATH, GANTRY_CODEC_KEY_FILE or GANTRY_CODEC_KEYS');
  const tokenFile = values['token-file'] as string | undefined;
  const token = tokenFile ? readSecretFile(tokenFile, '--token-file') : process.env.GANTRY_CODEC_SERVER_TOKEN;
  const listenOn = parseListen((values.listen as string | undefined) ?? '127.0.0.1:8081', '--listen');
  const origins = (values['allow-origin'] as string[] | undefined) ?? [];
  for (const origin of origins) if (!/^https?:\/\/[^/]+$/.test(origin)) throw new UsageError(`--allow-origin must be an origin such as http://localhost:8233 (scheme, host and port, no path); got ${JSON.stringify(origin)}`);
  log.addSecrets([token, ...keys.map((k) => k.key.toString('base64'))]);
  const endpoint = await serveCodec(new EncryptingCodec(keys), { ...listenOn, ...(token ? { token } : {}), allowOrigins: origins });
  log.info(`gantry codec server: ${endpoint.url} (keys ${keys.map((k) => k.id).join(', ')}; ${token ? 'token required' : 'no token: anyone who reaches it can decode'}${origins.length ? `; browsers from ${origins.join(', ')}` : ''})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await endpoint.close();
  return 0;
}

/** A secret kept in a file (a token): its first line, refused when empty. */
function readSecretFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  const secret = text.split('\n')[0]?.trim() ?? '';
  if (!secret) throw new UsageError(`${flag} ${path} is empty`);
  return secret;
}

async function createApplicationCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'compute-platform': { type: 'string' } });
  const request = { applicationName: required('--application-name', values['application-name'] as string | undefined), ...(values['compute-platform'] ? { computePlatform: values['compute-platform'] as ComputePlatform } : {}) };
  const created = await withClient(values, (client) => createApplication(client, request, taskQueueOf(values)));
  print({ applicationId: created.applicationId });
  return 0;
}

async function getApplicationCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' } });
  const name = required('--application-name', values['application-name'] as string | undefined);
  const application = await withClient(values, (client) => getApplication(client, name, taskQueueOf(values)));
  if (output(values) === 'json') print({ application });
  else console.log(`${application.applicationName}  ${application.computePlatform}  ${application.applicationId}  ${application.createTime}`);
  return 0;
}

async function listApplicationsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {});
  const applications = await withClient(values, (client) => listApplications(client, taskQueueOf(values)));
  if (output(values) === 'json') print({ applications: applications.map((a) => a.applicationName) });
  else for (const a of applications) console.log(`${a.applicationName}  ${a.computePlatform}`);
  return 0;
}

async function updateApplicationCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'new-application-name': { type: 'string' } });
  const name = required('--application-name', values['application-name'] as string | undefined);
  const newName = required('--new-application-name', values['new-application-name'] as string | undefined);
  const application = await withClient(values, (client) => renameApplication(client, name, newName, taskQueueOf(values)));
  // aws deploy update-application prints nothing; --output json shows the application as it is now.
  if (output(values) === 'json') print({ application });
  return 0;
}

async function deleteApplicationCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' } });
  const name = required('--application-name', values['application-name'] as string | undefined);
  await withClient(values, (client) => deleteApplication(client, name, taskQueueOf(values)));
  if (output(values) === 'json') print({ applicationName: name, deleted: true });
  return 0;
}

async function deleteDeploymentGroupCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, 'deployment-group-name': { type: 'string' } });
  const names = groupNames(values);
  const answer = await withClient(values, (client) => deleteDeploymentGroup(client, names.applicationName, names.deploymentGroupName, taskQueueOf(values)));
  print(answer);
  return 0;
}

async function registerApplicationRevisionCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, description: { type: 'string' }, ...REVISION_FLAGS });
  const request = {
    applicationName: required('--application-name', values['application-name'] as string | undefined),
    revision: revisionFromFlags(values),
    ...(values.description !== undefined ? { description: values.description as string } : {}),
  };
  const registered = await withClient(values, (client) => registerApplicationRevision(client, request, taskQueueOf(values)));
  if (output(values) === 'json') print({ applicationName: registered.applicationName, revision: registered.revision, registerTime: registered.registerTime });
  return 0;
}

async function getApplicationRevisionCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, ...REVISION_FLAGS });
  const name = required('--application-name', values['application-name'] as string | undefined);
  const revision = revisionFromFlags(values);
  const info = await withClient(values, (client) => getApplicationRevision(client, name, revision, taskQueueOf(values)));
  if (output(values) === 'json') print(info);
  else {
    const r = info.revisionInfo;
    console.log(`${describeRevision(info.revision)}  registered ${r.registerTime}  first used ${r.firstUsedTime ?? '-'}  last used ${r.lastUsedTime ?? '-'}  groups ${r.deploymentGroups.join(',') || '-'}`);
    for (const d of info.deployments) console.log(`  ${d.deploymentId}  ${d.deploymentGroupName}  ${d.status ?? '?'}  ${d.createTime}  ${d.targets.map((t) => `${t.targetId}:${t.status}`).join(' ')}`);
  }
  return 0;
}

async function listApplicationRevisionsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    'application-name': { type: 'string' },
    'sort-by': { type: 'string' },
    'sort-order': { type: 'string' },
    's3-bucket': { type: 'string' },
    's3-key-prefix': { type: 'string' },
    deployed: { type: 'string' },
  });
  const name = required('--application-name', values['application-name'] as string | undefined);
  // Each flag given becomes its option; listApplicationRevisions checks the values.
  const fields = { sortBy: 'sort-by', sortOrder: 'sort-order', s3Bucket: 's3-bucket', s3KeyPrefix: 's3-key-prefix', deployed: 'deployed' } as const;
  const options = Object.fromEntries(Object.entries(fields).filter(([, flag]) => values[flag] !== undefined).map(([field, flag]) => [field, values[flag]])) as ListRevisionsOptions;
  const revisions = await withClient(values, (client) => listApplicationRevisions(client, name, options, taskQueueOf(values)));
  if (output(values) === 'json') print({ revisions });
  else for (const r of revisions) console.log(describeRevision(r));
  return 0;
}

async function batchGetApplicationRevisionsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' }, revisions: { type: 'string' } });
  const name = required('--application-name', values['application-name'] as string | undefined);
  const revisions = parseJson('--revisions', required('--revisions', values.revisions as string | undefined));
  if (!Array.isArray(revisions)) throw new UsageError(`--revisions must be a JSON array of revisions; got ${values.revisions as string}`);
  const answer = await withClient(values, (client) => batchGetApplicationRevisions(client, name, revisions as RevisionLocation[], taskQueueOf(values)));
  print(answer);
  return 0;
}

/** --rollout JSON, or file://path.json as aws does. */
function rolloutFromFlag(values: Values): RolloutInput {
  const text = required('--rollout', values.rollout as string | undefined);
  if (!text.startsWith('file://')) return parseJson('--rollout', text) as RolloutInput;
  try {
    return parseJson('--rollout', readFileSync(text.slice('file://'.length), 'utf8')) as RolloutInput;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--rollout ${text}: ${(err as Error).message}`);
  }
}

async function createRolloutCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { rollout: { type: 'string' }, 'rollout-id': { type: 'string' }, wait: { type: 'boolean' } });
  const input = rolloutFromFlag(values);
  return withClient(values, async (client) => {
    const rolloutId = await startRollout(client, input, { taskQueue: taskQueueOf(values), ...(values['rollout-id'] ? { rolloutId: values['rollout-id'] as string } : {}) });
    if (!values.wait) {
      if (output(values) === 'json') print({ rolloutId });
      else console.log(rolloutId);
      return 0;
    }
    const view = await client.workflow.getHandle(rolloutId).result().then(() => getRollout(client, rolloutId), () => getRollout(client, rolloutId));
    if (output(values) === 'json') print({ rolloutInfo: view });
    else console.log(rolloutSummary(view));
    return view.status === 'Succeeded' ? 0 : 1;
  });
}

async function getRolloutCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'rollout-id': { type: 'string' } });
  const view = await withClient(values, (client) => getRollout(client, required('--rollout-id', values['rollout-id'] as string | undefined)));
  if (output(values) === 'json') print({ rolloutInfo: view });
  else console.log(rolloutSummary(view));
  return 0;
}

async function listRolloutsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'application-name': { type: 'string' } });
  const rollouts = await withClient(values, (client) => listRollouts(client, { ...(values['application-name'] ? { applicationName: values['application-name'] as string } : {}) }));
  if (output(values) === 'json') print({ rollouts });
  else for (const r of rollouts) console.log(`${r.rolloutId}  ${r.status ?? '?'}  ${r.applicationName ?? ''}  ${r.startTime}`);
  return 0;
}

async function approveRolloutCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'rollout-id': { type: 'string' }, approver: { type: 'string' }, reject: { type: 'boolean' }, comment: { type: 'string' } });
  const rolloutId = required('--rollout-id', values['rollout-id'] as string | undefined);
  const request = { approver: required('--approver', values.approver as string | undefined), approved: !values.reject, ...(values.comment ? { comment: values.comment as string } : {}) };
  const answer = await withClient(values, (client) => approveRollout(client, rolloutId, request));
  if (output(values) === 'json') print(answer);
  else console.log(`${rolloutId}: wave ${answer.wave + 1} ${answer.approved ? 'approved' : 'rejected'}`);
  return 0;
}

async function stopRolloutCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'rollout-id': { type: 'string' }, rollback: { type: 'boolean' }, reason: { type: 'string' } });
  const rolloutId = required('--rollout-id', values['rollout-id'] as string | undefined);
  await withClient(values, (client) => stopRollout(client, rolloutId, { rollback: Boolean(values.rollback), ...(values.reason ? { reason: values.reason as string } : {}) }));
  if (output(values) === 'json') print({ rolloutId, status: 'Stopping' });
  else console.log(`${rolloutId}: stopping`);
  return 0;
}

async function pauseRolloutCommand(argv: string[], pause: boolean): Promise<number> {
  const values = parse(argv, { 'rollout-id': { type: 'string' } });
  const rolloutId = required('--rollout-id', values['rollout-id'] as string | undefined);
  await withClient(values, (client) => pauseRollout(client, rolloutId, pause));
  print({ rolloutId, paused: pause });
  return 0;
}

const SCHEDULE_FLAGS = {
  'schedule-id': { type: 'string' },
  rollout: { type: 'string' },
  cron: { type: 'string', multiple: true },
  calendar: { type: 'string', multiple: true },
  interval: { type: 'string', multiple: true },
  'time-zone': { type: 'string' },
  overlap: { type: 'string' },
  'catchup-window': { type: 'string' },
  paused: { type: 'boolean' },
  note: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

async function rolloutScheduleCommand(command: string, argv: string[]): Promise<number> {
  const values = parse(argv, SCHEDULE_FLAGS);
  const list = command === 'list-rollout-schedules';
  const scheduleId = list ? '' : required('--schedule-id', values['schedule-id'] as string | undefined);
  return withClient(values, async (client) => {
    switch (command) {
      case 'create-rollout-schedule':
        print({
          scheduleId: await createRolloutSchedule(client, {
            scheduleId,
            input: rolloutFromFlag(values),
            taskQueue: taskQueueOf(values),
            ...(values.cron ? { cron: values.cron as string[] } : {}),
            ...(values.interval ? { intervals: values.interval as string[] } : {}),
            ...(values.calendar ? { calendars: (values.calendar as string[]).map((c) => parseJson('--calendar', c) as CalendarSpec) } : {}),
            ...(values['time-zone'] ? { timeZone: values['time-zone'] as string } : {}),
            ...(values.overlap ? { overlap: values.overlap as (typeof OVERLAP_POLICIES)[number] } : {}),
            ...(values['catchup-window'] ? { catchupWindow: values['catchup-window'] as string } : {}),
            ...(values.paused ? { paused: true } : {}),
            ...(values.note ? { note: values.note as string } : {}),
          }),
        });
        return 0;
      case 'list-rollout-schedules':
        print({ schedules: await listRolloutSchedules(client) });
        return 0;
      case 'describe-rollout-schedule': {
        const d = await describeRolloutSchedule(client, scheduleId);
        print({ scheduleId, spec: d.spec, paused: d.state.paused, note: d.state.note, overlap: d.policies.overlap, catchupWindow: d.policies.catchupWindow, nextRuns: d.info.nextActionTimes, recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt, rolloutId: a.action.workflow.workflowId })) });
        return 0;
      }
      case 'pause-rollout-schedule':
      case 'unpause-rollout-schedule':
        await pauseRolloutSchedule(client, scheduleId, command === 'pause-rollout-schedule', values.note as string | undefined);
        print({ scheduleId, paused: command === 'pause-rollout-schedule' });
        return 0;
      case 'trigger-rollout-schedule':
        await triggerRolloutSchedule(client, scheduleId, values.overlap as (typeof OVERLAP_POLICIES)[number] | undefined);
        print({ scheduleId, triggered: true });
        return 0;
      default:
        await deleteRolloutSchedule(client, scheduleId);
        print({ scheduleId, deleted: true });
        return 0;
    }
  });
}

/** `--tags Key=K,Value=V` (repeatable), as aws deploy takes them. */
function tagsFromFlags(values: Values): { Key: string; Value?: string }[] {
  const tags = ((values.tags as string[] | undefined) ?? []).map((text) => parseShorthand('--tags', text) as { Key: string; Value?: string });
  if (tags.length === 0) throw new UsageError('--tags Key=K,Value=V is required');
  return tags;
}

async function onPremisesCommand(command: string, argv: string[]): Promise<number> {
  const values = parse(argv, {
    'instance-name': { type: 'string' },
    'instance-names': { type: 'string', multiple: true },
    'iam-user-arn': { type: 'string' },
    'iam-session-arn': { type: 'string' },
    tags: { type: 'string', multiple: true },
    'registration-status': { type: 'string' },
    'tag-filters': { type: 'string', multiple: true },
  });
  const queue = taskQueueOf(values);
  const instanceName = (): string => required('--instance-name', values['instance-name'] as string | undefined);
  return withClient(values, async (client) => {
    switch (command) {
      case 'register-on-premises-instance':
        await registerOnPremisesInstance(client, { instanceName: instanceName(), ...(values['iam-user-arn'] ? { iamUserArn: values['iam-user-arn'] as string } : {}), ...(values['iam-session-arn'] ? { iamSessionArn: values['iam-session-arn'] as string } : {}) }, queue);
        print({});
        return 0;
      case 'deregister-on-premises-instance':
        await deregisterOnPremisesInstance(client, instanceName(), queue);
        print({});
        return 0;
      case 'get-on-premises-instance':
        print({ instanceInfo: await getOnPremisesInstance(client, instanceName(), queue) });
        return 0;
      case 'list-on-premises-instances': {
        const status = values['registration-status'] as string | undefined;
        if (status !== undefined && status !== 'Registered' && status !== 'Deregistered') throw new UsageError(`--registration-status must be Registered or Deregistered; got ${JSON.stringify(status)}`);
        const tagFilters = ((values['tag-filters'] as string[] | undefined) ?? []).map((text) => parseShorthand('--tag-filters', text) as unknown as TagFilter);
        const found = await listOnPremisesInstances(client, { ...(status ? { registrationStatus: status } : {}), ...(tagFilters.length ? { tagFilters } : {}) }, queue);
        if (output(values) === 'json') print({ instanceNames: found.map((i) => i.instanceName) });
        else for (const i of found) console.log(`${i.instanceName}  ${i.registrationStatus}  ${Object.entries(i.tags).map(([k, v]) => `${k}=${v}`).join(',')}`);
        return 0;
      }
      default: {
        const names = parseList((values['instance-names'] as string[] | undefined) ?? []);
        if (names.length === 0) throw new UsageError('--instance-names NAME [NAME ...] is required');
        await tagOnPremisesInstances(client, command === 'add-tags-to-on-premises-instances', names, tagsFromFlags(values), queue);
        print({});
        return 0;
      }
    }
  });
}

async function batchGetDeploymentsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-ids': { type: 'string', multiple: true } });
  const deployments = await withClient(values, (client) => batchGetDeployments(client, parseList((values['deployment-ids'] as string[] | undefined) ?? [])));
  if (output(values) === 'json') print({ deploymentsInfo: deployments });
  else for (const d of deployments) console.log(`${d.deploymentId}  ${d.status}  ${d.applicationName}/${d.deploymentGroupName}  ${d.createTime}`);
  return 0;
}

async function batchGetDeploymentTargetsCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'target-ids': { type: 'string', multiple: true } });
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  const targets = await withClient(values, (client) => batchGetDeploymentTargets(client, deploymentId, parseList((values['target-ids'] as string[] | undefined) ?? [])));
  if (output(values) === 'json') print({ deploymentTargets: targets });
  else for (const t of targets) console.log(`${t.targetId}  ${t.status}  ${t.lifecycleEvents.map((e) => `${e.lifecycleEventName}:${e.status}`).join(' ')}`);
  return 0;
}

async function putHookStatusCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { 'deployment-id': { type: 'string' }, 'lifecycle-event-hook-execution-id': { type: 'string' }, status: { type: 'string' } });
  const deploymentId = required('--deployment-id', values['deployment-id'] as string | undefined);
  const report = {
    lifecycleEventHookExecutionId: required('--lifecycle-event-hook-execution-id', values['lifecycle-event-hook-execution-id'] as string | undefined),
    status: required('--status', values.status as string | undefined) as HookStatusReport['status'],
  };
  const answer = await withClient(values, (client) => putLifecycleEventHookExecutionStatus(client, deploymentId, report));
  if (output(values) === 'json') print(answer);
  else console.log(answer.lifecycleEventHookExecutionId);
  return 0;
}

async function devCommand(argv: string[]): Promise<number> {
  const values = parse(argv, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    headless: { type: 'boolean' },
    'data-dir': { type: 'string' },
    moto: { type: 'boolean' },
    ...HOOK_STATUS_FLAGS,
  });
  const stack = await startLocalStack({
    dataDir: (values['data-dir'] as string | undefined) ?? join(REPO_ROOT, '.gantry', 'dev'),
    port: values.port ? Number(values.port) : 7233,
    uiPort: values.headless ? false : values['ui-port'] ? Number(values['ui-port']) : undefined,
    moto: Boolean(values.moto),
    namespace: values.namespace as string | undefined,
  });
  try {
    const { createControllerWorker } = await workerModules(runtimeSettings(values, { gantry_process: 'controller' }));
    const temporal = { ...target(values), address: stack.temporalAddress, namespace: stack.namespace };
    const { connection, dataConverter } = await connectWorker(temporal);
    maskProcessSecrets(dataConverter);
    const worker = await createControllerWorker({ connection, dataConverter, namespace: stack.namespace, taskQueue: values['task-queue'] as string | undefined });
    console.log(`Temporal: ${stack.temporalAddress} (namespace ${stack.namespace})`);
    if (stack.uiUrl) console.log(`Temporal UI: ${stack.uiUrl}`);
    if (stack.motoEndpoint) console.log(`AWS emulator (moto): ${stack.motoEndpoint}`);
    console.log(`Join it: export TEMPORAL_ADDRESS=${stack.temporalAddress}; gantry agent --host-id h1 --root /tmp/h1`);
    console.log('Controller worker running; Ctrl-C stops everything.');
    await withHookStatusEndpoint(values, temporal, () => worker.run());
    await connection.close();
  } finally {
    await stack.stop();
  }
  return 0;
}

/**
 * What only the long-running commands need (the Temporal worker runtime, the controller's activities
 * with the AWS SDK), loaded when one of them runs: the other commands start in a fraction of the time.
 */
async function workerModules(settings: RuntimeSettings = {}): Promise<ControllerModule> {
  const [{ installRuntime }, controller] = await Promise.all([import('../runtime.js'), import('../controller.js')]);
  installRuntime(settings);
  return controller;
}

/** `gantry cluster`: the Temporal server on PostgreSQL, with a controller worker, until Ctrl-C. */
async function clusterCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'history-shards': { type: 'string' }, tls: { type: 'boolean' }, mtls: { type: 'boolean' }, ...HOOK_STATUS_FLAGS });
  const port = values.port === undefined ? 7233 : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port; got ${JSON.stringify(values.port)}`);
  const shards = values['history-shards'] === undefined ? 4 : Number(values['history-shards']);
  if (!Number.isInteger(shards) || shards < 1 || shards > 1024) throw new UsageError(`--history-shards must be a whole number from 1 to 1024 (fixed when the database is created); got ${JSON.stringify(values['history-shards'])}`);
  const cluster = await startCluster({
    dataDir: (values['data-dir'] as string | undefined) ?? join(REPO_ROOT, '.gantry', 'cluster'),
    port,
    historyShards: shards,
    namespace: values.namespace as string | undefined,
    ...(values.tls || values.mtls ? { tls: { mutual: Boolean(values.mtls) } } : {}),
  });
  try {
    const { createControllerWorker } = await workerModules(runtimeSettings(values, { gantry_process: 'controller' }));
    const certs = cluster.certificates;
    // The controller connects as any client would: through the TEMPORAL_TLS_* settings.
    const tlsEnv = certs
      ? { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile, TEMPORAL_TLS_SERVER_NAME: certs.serverName, ...(values.mtls ? { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile } : {}) }
      : {};
    Object.assign(process.env, tlsEnv);
    const temporal = { ...target(values), address: cluster.temporalAddress, namespace: cluster.namespace };
    const { connection, dataConverter } = await connectWorker(temporal);
    maskProcessSecrets(dataConverter);
    const worker = await createControllerWorker({ connection, dataConverter, namespace: cluster.namespace, taskQueue: values['task-queue'] as string | undefined });
    console.log(`Temporal server on PostgreSQL: ${cluster.temporalAddress} (namespace ${cluster.namespace}; PostgreSQL on 127.0.0.1:${cluster.postgresPort})`);
    const exports = Object.entries({ TEMPORAL_ADDRESS: cluster.temporalAddress, ...tlsEnv }).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`Join it: export ${exports}; gantry agent --host-id h1 --root /tmp/h1`);
    console.log('Controller worker running; Ctrl-C stops everything.');
    await withHookStatusEndpoint(values, temporal, () => worker.run());
    await connection.close();
  } finally {
    await cluster.stop();
  }
  return 0;
}

/** Every command: how it runs. Its help is its block of USAGE. */
export const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  'create-deployment': createDeploymentCommand,
  'get-deployment': getDeploymentCommand,
  'watch-deployment': watchDeploymentCommand,
  'list-deployments': listDeploymentsCommand,
  'batch-get-deployments': batchGetDeploymentsCommand,
  'batch-get-deployment-targets': batchGetDeploymentTargetsCommand,
  'create-deployment-group': createDeploymentGroupCommand,
  'update-deployment-group': updateDeploymentGroupCommand,
  'get-deployment-group': getDeploymentGroupCommand,
  'list-deployment-groups': listDeploymentGroupsCommand,
  'delete-deployment-group': deleteDeploymentGroupCommand,
  rollback: rollbackCommand,
  'create-rollout': createRolloutCommand,
  'get-rollout': getRolloutCommand,
  'list-rollouts': listRolloutsCommand,
  'approve-rollout': approveRolloutCommand,
  'stop-rollout': stopRolloutCommand,
  'pause-rollout': (argv) => pauseRolloutCommand(argv, true),
  'resume-rollout': (argv) => pauseRolloutCommand(argv, false),
  ...Object.fromEntries(
    ['create-rollout-schedule', 'list-rollout-schedules', 'describe-rollout-schedule', 'pause-rollout-schedule', 'unpause-rollout-schedule', 'trigger-rollout-schedule', 'delete-rollout-schedule'].map((name) => [name, (argv: string[]) => rolloutScheduleCommand(name, argv)]),
  ),
  ...Object.fromEntries(
    ['register-on-premises-instance', 'deregister-on-premises-instance', 'get-on-premises-instance', 'list-on-premises-instances', 'add-tags-to-on-premises-instances', 'remove-tags-from-on-premises-instances'].map((name) => [name, (argv: string[]) => onPremisesCommand(name, argv)]),
  ),
  'create-application': createApplicationCommand,
  'get-application': getApplicationCommand,
  'list-applications': listApplicationsCommand,
  'update-application': updateApplicationCommand,
  'delete-application': deleteApplicationCommand,
  'register-application-revision': registerApplicationRevisionCommand,
  'get-application-revision': getApplicationRevisionCommand,
  'list-application-revisions': listApplicationRevisionsCommand,
  'batch-get-application-revisions': batchGetApplicationRevisionsCommand,
  'put-lifecycle-event-hook-execution-status': putHookStatusCommand,
  'continue-deployment': continueDeploymentCommand,
  'stop-deployment': stopDeploymentCommand,
  'list-deployment-targets': listDeploymentTargetsCommand,
  'get-deployment-target': getDeploymentTargetCommand,
  'create-deployment-config': createDeploymentConfigCommand,
  'get-deployment-config': getDeploymentConfigCommand,
  'list-deployment-configs': listDeploymentConfigsCommand,
  'delete-deployment-config': deleteDeploymentConfigCommand,
  worker: workerCommand,
  'codec-server': codecServerCommand,
  agent: agentCommand,
  dev: devCommand,
  cluster: clusterCommand,
  demo: async (argv) => {
    const values = parse(argv, { 'keep-running': { type: 'boolean' } });
    const [{ runDemo }] = await Promise.all([import('../demo.js'), workerModules()]);
    return runDemo({ keepRunning: Boolean(values['keep-running']) });
  },
};

/** A command's lines of USAGE (its line and the lines indented under it), plus the connection options. */
export function commandHelp(command: string): string {
  const lines = USAGE.split('\n');
  const found: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const names = line.trim().split(/\s+/)[0]?.split('|') ?? [];
    const listed = /^ {2}\S/.test(line) && (names.includes(command) || line.trim().split(/\s+\|\s+|\s+/).slice(0, 3).includes(command));
    if (!listed) continue;
    found.push(line);
    for (let j = i + 1; j < lines.length && /^( {3,}| {2}\|)/.test(lines[j] as string); j += 1) found.push(lines[j] as string);
  }
  const tail = USAGE.slice(USAGE.indexOf('Connection (all commands)'));
  return [`Usage: gantry ${command} [options]`, '', ...(found.length ? found : [`  ${command}`]), '', tail].join('\n');
}

/** The known command nearest to a mistyped one (edit distance), for the error. */
function nearest(command: string): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      const next = [i];
      for (let j = 1; j <= b.length; j += 1) next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length] as number;
  };
  const [best] = Object.keys(COMMANDS).map((name) => [name, distance(command, name)] as const).sort((a, b) => a[1] - b[1]);
  return best && best[1] <= Math.max(2, Math.floor(command.length / 4)) ? best[0] : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    const build = (globalThis as Record<symbol, unknown>)[Symbol.for('gantry.build')] as { mode: string; builtAt?: string } | undefined;
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    console.log(`gantry ${version} (${build?.mode === 'compiled' ? `compiled build of ${build.builtAt}` : 'from source'}; Node.js ${process.versions.node})`);
    return 0;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const about = command === 'help' ? rest[0] : undefined;
    console.log(about && COMMANDS[about] ? commandHelp(about) : USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    const guess = nearest(command);
    console.error(`gantry: unknown command ${JSON.stringify(command)}${guess ? ` (did you mean ${guess}?)` : ''}; \`gantry --help\` lists them`);
    return 2;
  }
  // --help answers before anything runs (no server is started, nothing is connected).
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  return run(rest);
}
