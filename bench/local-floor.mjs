// The floor of the overhead figure, in a process of its own: the agent's compiled activities (from
// `npm run build`'s dist/) do a whole deployment's work one event after another, with no Temporal
// server, workflow or task queue in between. Plain JavaScript, so it runs without tsx, as lean as the
// agent itself (a process's size is what its every spawn of a hook script costs).
//
//   node bench/local-floor.mjs <dist dir> <host root> <archive.tgz> <sha256> <runs> [script ...]
// Prints {"ms":[...],"directMs":[...]}: each whole deployment (after a warm-up), and each run of the
// given scripts one after another with spawnSync (the scripts alone).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, rootDir, archive, sha256, runsText, ...scripts] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const [{ createAgentActivities }, { EventJournal }, { AgentLayout }, { s3ClientOnDemand }, { newDeploymentId }, { deriveDeploymentGroupId }, { IN_PLACE_EVENTS }] = await Promise.all([
  load('agent/activities.js'),
  load('agent/journal.js'),
  load('agent/layout.js'),
  load('agent/main.js'),
  load('workers/deployments.js'),
  load('workflows/contracts/deployment.js'),
  load('workflows/contracts/lifecycle.js'),
]);
const { MockActivityEnvironment } = await import('@temporalio/testing');
const { DefaultLogger } = await import('@temporalio/worker');

const layout = new AgentLayout(rootDir);
const activities = createAgentActivities({ hostId: 'bench-local', layout, journal: new EventJournal(layout), s3: s3ClientOnDemand(process.env) });
const silent = new DefaultLogger('ERROR', () => undefined);
const revision = { revisionType: 'Local', local: { path: archive, bundleType: 'tgz', sha256 } };

async function deployment() {
  const names = { applicationName: 'bench', deploymentGroupName: 'local' };
  const context = { ...names, deploymentId: newDeploymentId(), deploymentGroupId: deriveDeploymentGroupId(names.applicationName, names.deploymentGroupName), revision, creator: 'user', ignoreApplicationStopFailures: false };
  const started = performance.now();
  for (const event of IN_PLACE_EVENTS) {
    const result = await new MockActivityEnvironment(undefined, { logger: silent }).run(activities[event], { deployment: context, hostId: 'bench-local' });
    if (result.status !== 'Succeeded') throw new Error(`${event} did not succeed: ${result.diagnostics.message}`);
  }
  return performance.now() - started;
}

await deployment(); // warm-up: no ApplicationStop scripts yet, caches cold
const ms = [];
const directMs = [];
for (let i = 0; i < Number(runsText); i += 1) {
  ms.push(await deployment());
  const started = performance.now();
  for (const script of scripts) spawnSync(script, { stdio: 'ignore' });
  directMs.push(performance.now() - started);
}
process.stdout.write(`${JSON.stringify({ ms, directMs })}\n`);
