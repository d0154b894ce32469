import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { countRevisionBytes, recordEventDuration, setEventsInFlight } from '../workers/metrics.js';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentActivities, LifecycleEventInput, LifecycleEventResult } from '../workflows/contracts/agent.js';
import type { DeploymentContext } from '../workflows/contracts/deployment.js';
import { checkDeploymentIdentity } from '../workflows/contracts/deployment.js';
import { FailureType } from '../workflows/contracts/errors.js';
import type { AgentEventName, Diagnostics, HookEventName } from '../workflows/contracts/lifecycle.js';
import { HOOK_EVENTS, noScriptsMessage, scriptRevisionFor } from '../workflows/contracts/lifecycle.js';
import { normalizeETag } from '../workflows/contracts/revision.js';
import type { AppSpec } from './appspec.js';
import { APPSPEC_FILE_NAMES, AppSpecError, MAX_APPSPEC_BYTES, parseAppSpec } from './appspec.js';
import { describeFsError, isDiskFull } from './fs-errors.js';
import type { ArchiveLimits } from './archive.js';
import { runScripts, scriptEnvironment, ScriptsCancelledError } from './hook-runner.js';
import { installFiles, InstallError } from './installer.js';
import type { EventJournal, RecordedFailure } from './journal.js';
import type { AgentLayout } from './layout.js';
import { fetchRevision, type GitHubAccess, pruneRevisions, RevisionError } from './revision.js';
import { adoptFormerGroupState } from './group-adoption.js';
import { ScriptLog } from './script-log.js';
import type { S3ClientOnDemand } from '../workers/s3-client.js';

export interface AgentDeps {
  hostId: string;
  layout: AgentLayout;
  journal: EventJournal;
  s3: S3ClientOnDemand;
  /** How GitHub revisions are fetched (API URL and token; default api.github.com, anonymous). */
  github?: GitHubAccess;
  /** Deployment directories kept per deployment group, the current one included (CodeDeploy: 5). */
  maxRevisions?: number;
  archiveLimits?: Partial<ArchiveLimits>;
  /** A download that receives nothing for this long fails (default DEFAULT_STALL_TIMEOUT_MS). */
  downloadStallTimeoutMs?: number;
  /** The environment scripts inherit (secrets are removed from it). Default: the agent's own. */
  baseEnv?: NodeJS.ProcessEnv;
}

export const DEFAULT_MAX_REVISIONS = 5;

/** How often a running event heartbeats (at most; a third of a shorter heartbeat timeout). */
export const HEARTBEAT_INTERVAL_MS = 1_000;

const FAILURE_BY_CODE = {
  ScriptMissing: FailureType.ScriptMissing,
  ScriptNotExecutable: FailureType.ScriptNotExecutable,
  ScriptFailed: FailureType.ScriptFailed,
  ScriptTimedOut: FailureType.ScriptTimedOut,
  UnknownError: FailureType.ScriptOutputsLeftOpen,
} as const;

/** A typed, non-retryable event failure whose first detail is the event's Diagnostics. */
export function eventFailure(failure: RecordedFailure): ApplicationFailure {
  return ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true, details: [failure.diagnostics] });
}

const unknown = (type: string, message: string): RecordedFailure => ({ type, message, diagnostics: { errorCode: 'UnknownError', message, logTail: '' } });

/**
 * Keeps the activity heartbeating while `work` runs, so a dead agent is noticed within the heartbeat
 * timeout. A `stop` reaches an activity only in a heartbeat's answer, so the agent beats every second
 * (stop to Stopped within about 2 s); an event that ends within a second costs no heartbeat at all.
 */
async function withHeartbeat<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timeoutMs = ctx.info.heartbeatTimeoutMs ?? 30_000;
  const interval = Math.max(200, Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(timeoutMs / 3)));
  const ticker = setInterval(() => ctx.heartbeat(details()), interval);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

async function readAppSpec(archiveDir: string): Promise<AppSpec> {
  for (const name of APPSPEC_FILE_NAMES) {
    const path = join(archiveDir, name);
    let text: string;
    try {
      // Sized before it is read: a huge file is refused without holding it in memory or parsing it.
      const { size } = await stat(path);
      if (size > MAX_APPSPEC_BYTES) throw new AppSpecError(`${name} is ${size} bytes; the agent reads AppSpec files of at most ${MAX_APPSPEC_BYTES} bytes.`);
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (err instanceof AppSpecError) throw err;
      continue;
    }
    return parseAppSpec(text, name);
  }
  throw new AppSpecError(`the revision has no appspec.yml (or appspec.yaml) at its top level (${archiveDir})`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** CodeDeploy's BUNDLE_* variables: S3 revisions (BUNDLE_VERSION only for a versioned object) and GitHub ones (BUNDLE_COMMIT). */
function bundleVariables(deployment: DeploymentContext): Record<string, string | undefined> {
  if (deployment.revision.revisionType === 'GitHub') return { BUNDLE_COMMIT: deployment.revision.gitHubLocation.commitId };
  if (deployment.revision.revisionType !== 'S3') return {};
  const { bucket, key, version, eTag } = deployment.revision.s3Location;
  return { BUNDLE_BUCKET: bucket, BUNDLE_KEY: key, BUNDLE_VERSION: version, BUNDLE_ETAG: eTag ? normalizeETag(eTag) : undefined };
}

/** Creates the activities one host agent serves on its task queue. */
export function createAgentActivities(deps: AgentDeps): AgentActivities {
  const { layout, journal } = deps;
  const baseEnv = deps.baseEnv ?? process.env;
  const inFlight = new Map<string, Promise<LifecycleEventResult>>();

  const ok = (message: string, logTail = '', scriptName?: string): LifecycleEventResult => ({
    status: 'Succeeded',
    diagnostics: { errorCode: 'Success', message, logTail, ...(scriptName ? { scriptName } : {}) },
  });

  /** Maps a thrown error to the event's recorded failure, keeping what the user needs to fix it. */
  const recordedFailure = (err: unknown): RecordedFailure => {
    if (err instanceof ApplicationFailure) {
      const detail = err.details?.[0] as Diagnostics | undefined;
      return { type: err.type ?? FailureType.AgentError, message: err.message, diagnostics: detail ?? { errorCode: 'UnknownError', message: err.message, logTail: '' } };
    }
    if (err instanceof CancelledFailure || err instanceof ScriptsCancelledError) {
      return unknown(FailureType.EventCancelled, `The event was cancelled while it ran (${err.message}); its scripts were stopped.`);
    }
    if (err instanceof AppSpecError) return unknown(FailureType.InvalidAppSpec, err.message);
    if (err instanceof RevisionError) return unknown(err.kind, err.message);
    if (err instanceof InstallError) return unknown(isDiskFull(err.cause) ? FailureType.DiskFull : FailureType.InstallFailed, err.message);
    const errno = err as NodeJS.ErrnoException;
    if (errno?.code && errno.syscall) {
      const message = describeFsError(`The agent could not ${errno.syscall}`, errno.path ?? '(no path)', err);
      return unknown(isDiskFull(err) ? FailureType.DiskFull : FailureType.AgentError, `${message}.`);
    }
    return unknown(FailureType.AgentError, `The agent hit an unexpected error: ${(err as Error).message ?? String(err)}`);
  };

  /**
   * Runs an event at most once per deployment on this host: a repeated delivery returns the journal's
   * outcome (or joins the run still in progress), and an event a previous agent run left unfinished
   * fails instead of running again.
   */
  const journaled =
    (event: AgentEventName, run: (input: LifecycleEventInput) => Promise<LifecycleEventResult>) =>
    async (input: LifecycleEventInput): Promise<LifecycleEventResult> => {
      const { deploymentGroupId, deploymentId } = input.deployment;
      // Every path below is built from these IDs: refuse before touching any of them.
      const untrusted = checkDeploymentIdentity(input.deployment);
      if (untrusted) throw eventFailure(unknown(FailureType.UntrustedDeployment, `The agent refuses ${event}: ${untrusted}; nothing on the host was touched.`));
      // A renamed application's group: take over what its former name left on this host, first.
      if (input.deployment.formerDeploymentGroups?.length) await adoptFormerGroupState(layout, deploymentGroupId, input.deployment.formerDeploymentGroups);
      const key = `${deploymentId}/${event}`;
      const running = inFlight.get(key);
      if (running) return running;
      const recorded = await journal.read(deploymentGroupId, deploymentId, event);
      if (recorded?.state === 'succeeded' && recorded.result) return recorded.result;
      if (recorded?.state === 'failed' && recorded.failure) throw eventFailure(recorded.failure);
      const info = Context.current().info;
      const base = { deploymentGroupId, deploymentId, event, attempt: info.attempt, agentInstance: journal.instance, startedAt: new Date().toISOString() };
      if (recorded?.state === 'started') {
        const failure = afterRestart(recorded.startedAt);
        await journal.write({ ...base, state: 'failed', finishedAt: base.startedAt, failure }).catch(() => undefined);
        throw eventFailure(failure);
      }
      try {
        await journal.write({ ...base, state: 'started', taskToken: Buffer.from(info.taskToken).toString('base64') });
      } catch (err) {
        // Nothing ran, and nothing could be recorded (a full disk): say why, and keep serving.
        throw eventFailure(recordedFailure(err));
      }
      const began = performance.now();
      const where = { deploymentId, hostId: deps.hostId, event };
      Context.current().log.info(`${event} started`, { ...where, attempt: info.attempt });
      const finished = (outcome: 'Succeeded' | 'Failed' | 'Cancelled', message: string): void => {
        const seconds = (performance.now() - began) / 1000;
        recordEventDuration(event, outcome, seconds);
        Context.current().log[outcome === 'Succeeded' ? 'info' : 'warn'](`${event} ${outcome.toLowerCase()}`, { ...where, outcome, durationMs: Math.round(seconds * 1000), message });
      };
      const work = (async () => {
        try {
          const result = await run(input);
          await journal.write({ ...base, state: 'succeeded', finishedAt: new Date().toISOString(), result });
          finished('Succeeded', result.diagnostics?.message ?? '');
          return result;
        } catch (err) {
          finished(err instanceof CancelledFailure || err instanceof ScriptsCancelledError ? 'Cancelled' : 'Failed', (err as Error).message ?? String(err));
          const failure = recordedFailure(err);
          // A journal that cannot be written (a full disk) must not hide the event's own failure.
          await journal.write({ ...base, state: 'failed', finishedAt: new Date().toISOString(), failure }).catch(() => undefined);
          if (err instanceof CancelledFailure) throw err;
          if (err instanceof ScriptsCancelledError) throw new CancelledFailure(err.message);
          throw eventFailure(failure);
        }
      })();
      inFlight.set(key, work);
      setEventsInFlight(inFlight.size);
      try {
        return await work;
      } finally {
        inFlight.delete(key);
        setEventsInFlight(inFlight.size);
      }
    };

  const downloadBundle = async ({ deployment }: LifecycleEventInput): Promise<LifecycleEventResult> => {
    const group = deployment.deploymentGroupId;
    const dir = layout.deploymentDir(group, deployment.deploymentId);
    const archive = layout.archiveDir(group, deployment.deploymentId);
    const lastSuccessful = (await readFile(layout.lastSuccessfulInstallFile(group), 'utf8').catch(() => '')).trim() || undefined;
    const pruned = await pruneRevisions(join(layout.deploymentRoot, group), { current: dir, lastSuccessful, maxRevisions: deps.maxRevisions ?? DEFAULT_MAX_REVISIONS });
    let bytes = 0;
    const fetched = await withHeartbeat(
      () => ({ step: 'DownloadBundle', bytes }),
      () =>
        fetchRevision(deployment.revision, {
          deploymentDir: dir,
          archiveDir: archive,
          s3: deps.s3,
          ...(deps.github ? { github: deps.github } : {}),
          limits: deps.archiveLimits,
          stallTimeoutMs: deps.downloadStallTimeoutMs,
          signal: Context.current().cancellationSignal,
          onProgress: (n) => {
            bytes = n;
          },
        }),
    );
    countRevisionBytes(deployment.revision.revisionType, fetched.bytes);
    const spec = await readAppSpec(archive); // a revision without a valid AppSpec fails here, not halfway through
    await mkdir(layout.instructionsDir, { recursive: true });
    await writeFile(layout.mostRecentInstallFile(group), dir);
    const digest = fetched.sha256 ? ` (${fetched.bytes} bytes, sha256 ${fetched.sha256})` : '';
    const prunedNote = pruned.length > 0 ? `; removed ${pruned.length} old revision(s)` : '';
    // Which hooks have scripts: the controller answers the others without asking this agent.
    const scriptedEvents = HOOK_EVENTS.filter((event) => (spec.hooks[event]?.length ?? 0) > 0);
    return { ...ok(`Revision ready in ${archive}${digest}${prunedNote}`), scriptedEvents };
  };

  const install = async ({ deployment }: LifecycleEventInput): Promise<LifecycleEventResult> => {
    const group = deployment.deploymentGroupId;
    const archive = layout.archiveDir(group, deployment.deploymentId);
    const spec = await readAppSpec(archive);
    const behavior = spec.fileExistsBehavior ?? deployment.fileExistsBehavior ?? 'DISALLOW';
    const result = await withHeartbeat(
      () => ({ step: 'Install' }),
      () =>
        installFiles({
          spec,
          archiveDir: archive,
          cleanupFile: layout.cleanupFile(group),
          instructionsFile: layout.installInstructionsFile(group),
          behavior,
        }),
    );
    // As in the CodeDeploy agent, "last successful" means the last revision whose Install completed.
    await writeFile(layout.lastSuccessfulInstallFile(group), layout.deploymentDir(group, deployment.deploymentId));
    return ok(
      `Installed ${result.copied} files, created ${result.directoriesCreated} directories, retained ${result.retained} existing files, ` +
        `applied permissions to ${result.permissionsApplied} paths`,
    );
  };

  /** Which revision's scripts an event runs: the CodeDeploy agent's mapping (scriptRevisionFor). */
  const scriptSource = async (deployment: DeploymentContext, event: HookEventName): Promise<string | undefined> => {
    const current = layout.archiveDir(deployment.deploymentGroupId, deployment.deploymentId);
    const which = scriptRevisionFor(event, deployment);
    if (which === 'current' || (await exists(current))) return current;
    const pointer = which === 'mostRecent' ? layout.mostRecentInstallFile(deployment.deploymentGroupId) : layout.lastSuccessfulInstallFile(deployment.deploymentGroupId);
    try {
      const previousDir = (await readFile(pointer, 'utf8')).trim();
      return join(previousDir, 'deployment-archive');
    } catch {
      return undefined; // first deployment of this group to this host
    }
  };

  const runHook =
    (event: HookEventName) =>
    async ({ deployment }: LifecycleEventInput): Promise<LifecycleEventResult> => {
      const archive = await scriptSource(deployment, event);
      if (!archive) return ok(`No previous revision on this host: ${event} has nothing to run (no-op)`);
      const spec = await readAppSpec(archive);
      const scripts = spec.hooks[event] ?? [];
      if (scripts.length === 0) return ok(noScriptsMessage(event));

      const log = new ScriptLog(layout.scriptLog(deployment.deploymentGroupId, deployment.deploymentId));
      const started = Date.now();
      let current = scripts[0]?.location ?? '';
      const env = scriptEnvironment(baseEnv, {
        LIFECYCLE_EVENT: event,
        DEPLOYMENT_ID: deployment.deploymentId,
        APPLICATION_NAME: deployment.applicationName,
        DEPLOYMENT_GROUP_NAME: deployment.deploymentGroupName,
        DEPLOYMENT_GROUP_ID: deployment.deploymentGroupId,
        ...bundleVariables(deployment),
      });
      try {
        const outcome = await withHeartbeat(
          () => ({ event, script: current, elapsedSeconds: Math.round((Date.now() - started) / 1000), outputBytes: log.totalBytes, lastLine: log.lastLine.slice(0, 200) }),
          () =>
            runScripts({
              event,
              scripts,
              archiveDir: archive,
              env,
              log,
              signal: Context.current().cancellationSignal,
              onScript: (script) => {
                current = script.location;
              },
            }),
        );
        await log.close();
        if (log.writeError) {
          const cause = describeFsError('the scripts ran, but their output could not be written to', log.path, log.writeError);
          throw eventFailure({
            type: isDiskFull(log.writeError) ? FailureType.DiskFull : FailureType.AgentError,
            message: `${event}: ${cause}. ${outcome.ok ? 'They succeeded' : outcome.message}`,
            diagnostics: { errorCode: 'UnknownError', scriptName: current, message: `${event}: ${cause}`, logTail: log.tail() },
          });
        }
        if (outcome.ok) return ok(`Ran ${scripts.length} script(s) for ${event}`, log.tail(), current);
        throw eventFailure({
          type: FAILURE_BY_CODE[outcome.errorCode],
          message: outcome.message,
          diagnostics: { errorCode: outcome.errorCode, scriptName: outcome.scriptName, message: outcome.message, logTail: log.tail() },
        });
      } finally {
        await log.close();
      }
    };

  const hooks = Object.fromEntries(HOOK_EVENTS.map((event) => [event, journaled(event, runHook(event))])) as Record<HookEventName, ReturnType<typeof runHook>>;
  return { ...hooks, DownloadBundle: journaled('DownloadBundle', downloadBundle), Install: journaled('Install', install) };
}

/** The failure recorded for an event that a previous run of the agent left in progress. */
export function afterRestart(startedAt: string): RecordedFailure {
  return unknown(
    FailureType.FailedAfterRestart,
    `Failing in-progress lifecycle event after an agent restart: the event started at ${startedAt} and the agent stopped before it finished; it is not run twice.`,
  );
}
