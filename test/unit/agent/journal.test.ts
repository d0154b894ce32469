/** The event journal: a repeated delivery returns the recorded outcome and never runs scripts twice. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createAgentActivities } from '../../../agent/activities.js';
import { EventJournal } from '../../../agent/journal.js';
import { AgentLayout } from '../../../agent/layout.js';
import { s3ClientOnDemand } from '../../../agent/main.js';
import type { LifecycleEventResult } from '../../../workflows/contracts/agent.js';
import type { DeploymentContext } from '../../../workflows/contracts/deployment.js';
import { deriveDeploymentGroupId } from '../../../workflows/contracts/deployment.js';
import { scratchDir } from '../../support/harness.js';

function setup(script: string): { activities: ReturnType<typeof createAgentActivities>; deployment: DeploymentContext; counter: string; layout: AgentLayout } {
  const base = scratchDir('journal');
  const revision = join(base, 'revision');
  const counter = join(base, 'runs.log');
  mkdirSync(join(revision, 'scripts'), { recursive: true });
  writeFileSync(join(revision, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/run.sh\n');
  writeFileSync(join(revision, 'scripts', 'run.sh'), `#!/bin/sh\necho run >> ${counter}\n${script}\n`);
  chmodSync(join(revision, 'scripts', 'run.sh'), 0o755);
  const layout = new AgentLayout(join(base, 'agent'));
  const activities = createAgentActivities({ hostId: 'h1', layout, journal: new EventJournal(layout), s3: s3ClientOnDemand(process.env) });
  const deployment: DeploymentContext = {
    deploymentId: 'd-JOURNAL01',
    applicationName: 'app',
    deploymentGroupName: 'g',
    deploymentGroupId: deriveDeploymentGroupId('app', 'g'),
    revision: { revisionType: 'Local', local: { path: revision } },
    creator: 'user',
    ignoreApplicationStopFailures: false,
  };
  return { activities, deployment, counter, layout };
}

const runs = (counter: string): number => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

describe('agent/journal', () => {
  it('a retried event returns its recorded result without running its scripts again', async () => {
    const { activities, deployment, counter } = setup('echo done');
    const env = new MockActivityEnvironment({ attempt: 1 });
    const downloaded = (await env.run(activities.DownloadBundle, { deployment, hostId: 'h1' })) as LifecycleEventResult;
    // DownloadBundle names the hooks the AppSpec gives scripts: the controller answers the others itself.
    expect(downloaded.scriptedEvents).toEqual(['AfterInstall']);
    const first = await env.run(activities.AfterInstall, { deployment, hostId: 'h1' });
    const retry = await new MockActivityEnvironment({ attempt: 2 }).run(activities.AfterInstall, { deployment, hostId: 'h1' });
    expect(retry).toEqual(first);
    expect(runs(counter)).toBe(1);
  });

  it('a retried failed event fails again the same way, without running its scripts again', async () => {
    const { activities, deployment, counter } = setup('exit 4');
    await new MockActivityEnvironment().run(activities.DownloadBundle, { deployment, hostId: 'h1' });
    const attempt = (n: number) => new MockActivityEnvironment({ attempt: n }).run(activities.AfterInstall, { deployment, hostId: 'h1' }).catch((e: unknown) => e);
    const first = (await attempt(1)) as ApplicationFailure;
    const second = (await attempt(2)) as ApplicationFailure;
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect([second.type, second.message, second.details]).toEqual([first.type, first.message, first.details]);
    expect(first.type).toBe('ScriptFailed');
    expect(runs(counter)).toBe(1);
  });

  it('an event a previous agent run left in progress fails as FailedAfterRestart instead of running', async () => {
    const { activities, deployment, counter, layout } = setup('echo done');
    await new MockActivityEnvironment().run(activities.DownloadBundle, { deployment, hostId: 'h1' });
    // What a killed agent leaves behind: a `started` entry written by another run of the agent.
    await new EventJournal(layout).write({
      deploymentGroupId: deployment.deploymentGroupId,
      deploymentId: deployment.deploymentId,
      event: 'AfterInstall',
      state: 'started',
      attempt: 1,
      agentInstance: 'previous-run',
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    const err = await new MockActivityEnvironment({ attempt: 2 }).run(activities.AfterInstall, { deployment, hostId: 'h1' }).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('FailedAfterRestart');
    expect((err as ApplicationFailure).message).toMatch(/Failing in-progress lifecycle event after an agent restart/);
    expect(() => readFileSync(counter)).toThrow();
  });
});
