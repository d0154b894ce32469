/** Which revision's AppSpec a hook uses (the CodeDeploy agent's mapping), in a blue/green rollback too. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createAgentActivities } from '../../../agent/activities.js';
import { EventJournal } from '../../../agent/journal.js';
import { AgentLayout } from '../../../agent/layout.js';
import { s3ClientOnDemand } from '../../../agent/main.js';
import type { DeploymentContext } from '../../../workflows/contracts/deployment.js';
import { deriveDeploymentGroupId } from '../../../workflows/contracts/deployment.js';
import { HOOK_EVENTS, scriptRevisionFor, type HookEventName } from '../../../workflows/contracts/lifecycle.js';
import { scratchDir } from '../../support/harness.js';

describe('workflows/contracts/lifecycle: scriptRevisionFor', () => {
  const table = (deployment: Parameters<typeof scriptRevisionFor>[1]) => Object.fromEntries(HOOK_EVENTS.map((e) => [e, scriptRevisionFor(e, deployment)]));

  it('normal deployments: ApplicationStop and the block-traffic hooks come from the last successful install', () => {
    expect(table({ creator: 'user' })).toEqual({
      ApplicationStop: 'lastSuccessful', BeforeInstall: 'current', AfterInstall: 'current', ApplicationStart: 'current', ValidateService: 'current',
      BeforeBlockTraffic: 'lastSuccessful', AfterBlockTraffic: 'lastSuccessful', BeforeAllowTraffic: 'current', AfterAllowTraffic: 'current',
    });
    // An in-place rollback is a normal deployment.
    expect(table({ creator: 'codeDeployRollback', deploymentType: 'IN_PLACE' })).toEqual(table({ creator: 'user' }));
  });

  it('a blue/green rollback: block-traffic from the most recent download, allow-traffic from the last successful install', () => {
    expect(table({ creator: 'codeDeployRollback', deploymentType: 'BLUE_GREEN' })).toEqual({
      ApplicationStop: 'lastSuccessful', BeforeInstall: 'current', AfterInstall: 'current', ApplicationStart: 'current', ValidateService: 'current',
      BeforeBlockTraffic: 'mostRecent', AfterBlockTraffic: 'mostRecent', BeforeAllowTraffic: 'lastSuccessful', AfterAllowTraffic: 'lastSuccessful',
    });
  });
});

describe('agent: hooks run from the revision the mapping names', () => {
  it('a blue/green rollback on a host runs each hook from the right earlier revision, and the current one once it is there', async () => {
    const base = scratchDir('script-source');
    const layout = new AgentLayout(join(base, 'agent'));
    const group = deriveDeploymentGroupId('app', 'g');
    const marker = join(base, 'ran.log');
    // Two earlier revisions on the host: the last successful install (d-OLDGOOD01) and a later download (d-RECENT001).
    for (const [id, label] of [['d-OLDGOOD01', 'last-successful'], ['d-RECENT001', 'most-recent']] as const) {
      const archive = layout.archiveDir(group, id);
      mkdirSync(join(archive, 'scripts'), { recursive: true });
      const hooks = (['BeforeBlockTraffic', 'BeforeAllowTraffic', 'ApplicationStop'] as HookEventName[]).map((e) => `  ${e}:\n    - location: scripts/log.sh\n`).join('');
      writeFileSync(join(archive, 'appspec.yml'), `version: 0.0\nos: linux\nhooks:\n${hooks}`);
      writeFileSync(join(archive, 'scripts', 'log.sh'), `#!/bin/sh\necho "$LIFECYCLE_EVENT ${label}" >> ${marker}\n`, { mode: 0o755 });
    }
    mkdirSync(layout.instructionsDir, { recursive: true });
    writeFileSync(layout.lastSuccessfulInstallFile(group), layout.deploymentDir(group, 'd-OLDGOOD01'));
    writeFileSync(layout.mostRecentInstallFile(group), layout.deploymentDir(group, 'd-RECENT001'));
    const activities = createAgentActivities({ hostId: 'h1', layout, journal: new EventJournal(layout), s3: s3ClientOnDemand(process.env) });
    const deployment: DeploymentContext = {
      deploymentId: 'd-ROLLBACK1',
      applicationName: 'app',
      deploymentGroupName: 'g',
      deploymentGroupId: group,
      revision: { revisionType: 'Local', local: { path: '/nowhere' } },
      creator: 'codeDeployRollback',
      ignoreApplicationStopFailures: false,
      deploymentType: 'BLUE_GREEN',
    };
    for (const event of ['BeforeBlockTraffic', 'BeforeAllowTraffic', 'ApplicationStop'] as const) {
      await new MockActivityEnvironment({ attempt: 1 }).run(activities[event], { deployment, hostId: 'h1' });
    }
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual(['BeforeBlockTraffic most-recent', 'BeforeAllowTraffic last-successful', 'ApplicationStop last-successful']);
  });
});
