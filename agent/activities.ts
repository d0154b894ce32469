import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { readFile, writeFile, mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentActivities, LifecycleEventInput, LifecycleEventResult } from '../workflows/contracts/agent.js';
import type { DeploymentContext } from '../workflows/contracts/deployment.js';
import { FailureType } from '../workflows/contracts/errors.js';
import type { Diagnostics, HookEventName } from '../workflows/contracts/lifecycle.js';
import { HOOK_EVENTS, PREVIOUS_REVISION_EVENTS } from '../workflows/contracts/lifecycle.js';
import type { AppSpec } from './appspec.js';
import { APPSPEC_FILE_NAMES, AppSpecError, parseAppSpec } from './appspec.js';
import { runScripts, scriptEnvironment, ScriptsCancelledError } from './hook-runner.js';
import { installFiles, InstallError } from './installer.js';
import type { AgentLayout } from './layout.js';
import { fetchRevision, RevisionError } from './revision.js';
import { ScriptLog } from './script-log.js';

export interface AgentDeps {
  hostId: string;
  layout: AgentLayout;
  /** The environment scripts inherit (secrets are removed from it). Default: the agent's own. */
  baseEnv?: NodeJS.ProcessEnv;
}

const FAILURE_BY_CODE = {
  ScriptMissing: FailureType.ScriptMissing,
  ScriptNotExecutable: FailureType.ScriptNotExecutable,
  ScriptFailed: FailureType.ScriptFailed,
  ScriptTimedOut: FailureType.ScriptTimedOut,
  UnknownError: FailureType.ScriptFailed,
} as const;

function eventFailure(type: string, diagnostics: Diagnostics): ApplicationFailure {
  return ApplicationFailure.create({ type, message: diagnostics.message, nonRetryable: true, details: [diagnostics] });
}

/** Keeps the activity heartbeating while `work` runs, so a dead agent is noticed within the heartbeat timeout. */
async function withHeartbeat<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timeoutMs = ctx.info.heartbeatTimeoutMs ?? 30_000;
  const interval = Math.max(200, Math.min(5_000, Math.floor(timeoutMs / 3)));
  ctx.heartbeat(details());
  const ticker = setInterval(() => ctx.heartbeat(details()), interval);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

async function readAppSpec(archiveDir: string): Promise<AppSpec> {
  for (const name of APPSPEC_FILE_NAMES) {
    let text: string;
    try {
      text = await readFile(join(archiveDir, name), 'utf8');
    } catch {
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

/** Creates the activities one host agent serves on its task queue. */
export function createAgentActivities(deps: AgentDeps): AgentActivities {
  const { layout } = deps;
  const baseEnv = deps.baseEnv ?? process.env;

  const ok = (message: string, logTail = '', scriptName?: string): LifecycleEventResult => ({
    status: 'Succeeded',
    diagnostics: { errorCode: 'Success', message, logTail, ...(scriptName ? { scriptName } : {}) },
  });

  /** Maps a thrown error to the event's typed failure, keeping what the user needs to fix it. */
  const asFailure = (err: unknown): never => {
    if (err instanceof ApplicationFailure || err instanceof CancelledFailure) throw err;
    if (err instanceof AppSpecError) throw eventFailure(FailureType.InvalidAppSpec, { errorCode: 'UnknownError', message: err.message, logTail: '' });
    if (err instanceof RevisionError) throw eventFailure(err.kind, { errorCode: 'UnknownError', message: err.message, logTail: '' });
    if (err instanceof InstallError) throw eventFailure(FailureType.InstallFailed, { errorCode: 'UnknownError', message: err.message, logTail: '' });
    throw err;
  };

  const downloadBundle = async ({ deployment }: LifecycleEventInput): Promise<LifecycleEventResult> => {
    const dir = layout.deploymentDir(deployment.deploymentGroupId, deployment.deploymentId);
    const archive = layout.archiveDir(deployment.deploymentGroupId, deployment.deploymentId);
    try {
      await withHeartbeat(
        () => ({ step: 'DownloadBundle' }),
        () => fetchRevision(deployment.revision, archive),
      );
      await readAppSpec(archive); // a revision without a valid AppSpec fails here, not halfway through
      await mkdir(layout.instructionsDir, { recursive: true });
      await writeFile(layout.mostRecentInstallFile(deployment.deploymentGroupId), dir);
    } catch (err) {
      return asFailure(err);
    }
    return ok(`Revision ready in ${archive}`);
  };

  const install = async ({ deployment }: LifecycleEventInput): Promise<LifecycleEventResult> => {
    const archive = layout.archiveDir(deployment.deploymentGroupId, deployment.deploymentId);
    try {
      const spec = await readAppSpec(archive);
      const behavior = spec.fileExistsBehavior ?? deployment.fileExistsBehavior ?? 'DISALLOW';
      const result = await withHeartbeat(
        () => ({ step: 'Install' }),
        () =>
          installFiles({
            spec,
            archiveDir: archive,
            cleanupFile: layout.cleanupFile(deployment.deploymentGroupId),
            instructionsFile: layout.installInstructionsFile(deployment.deploymentGroupId),
            behavior,
          }),
      );
      await writeFile(
        layout.lastSuccessfulInstallFile(deployment.deploymentGroupId),
        layout.deploymentDir(deployment.deploymentGroupId, deployment.deploymentId),
      );
      return ok(
        `Installed ${result.copied} files, created ${result.directoriesCreated} directories, retained ${result.retained} existing files, ` +
          `applied permissions to ${result.permissionsApplied} paths`,
      );
    } catch (err) {
      return asFailure(err);
    }
  };

  /** Which revision's scripts an event runs: the previous one for ApplicationStop and the block-traffic hooks. */
  const scriptSource = async (deployment: DeploymentContext, event: HookEventName): Promise<string | undefined> => {
    const current = layout.archiveDir(deployment.deploymentGroupId, deployment.deploymentId);
    if (!(PREVIOUS_REVISION_EVENTS as readonly string[]).includes(event) || (await exists(current))) return current;
    try {
      const previousDir = (await readFile(layout.lastSuccessfulInstallFile(deployment.deploymentGroupId), 'utf8')).trim();
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
      let spec: AppSpec;
      try {
        spec = await readAppSpec(archive);
      } catch (err) {
        return asFailure(err);
      }
      const scripts = spec.hooks[event] ?? [];
      if (scripts.length === 0) return ok(`No scripts for ${event} (no-op)`);

      const log = new ScriptLog(layout.scriptLog(deployment.deploymentGroupId, deployment.deploymentId));
      const started = Date.now();
      let current = scripts[0]?.location ?? '';
      const env = scriptEnvironment(baseEnv, {
        LIFECYCLE_EVENT: event,
        DEPLOYMENT_ID: deployment.deploymentId,
        APPLICATION_NAME: deployment.applicationName,
        DEPLOYMENT_GROUP_NAME: deployment.deploymentGroupName,
        DEPLOYMENT_GROUP_ID: deployment.deploymentGroupId,
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
        if (outcome.ok) return ok(`Ran ${scripts.length} script(s) for ${event}`, log.tail(), current);
        throw eventFailure(FAILURE_BY_CODE[outcome.errorCode], {
          errorCode: outcome.errorCode,
          scriptName: outcome.scriptName,
          message: outcome.message,
          logTail: log.tail(),
        });
      } catch (err) {
        await log.close();
        if (err instanceof ScriptsCancelledError) throw new CancelledFailure(err.message);
        throw err;
      }
    };

  const hooks = Object.fromEntries(HOOK_EVENTS.map((event) => [event, runHook(event)])) as Record<HookEventName, ReturnType<typeof runHook>>;
  return { ...hooks, DownloadBundle: downloadBundle, Install: install };
}
