import { join } from 'node:path';
import type { DeploymentView } from '../workflows/contracts/deployment.js';
import { simulatedHostUnsupported } from '../agent/simulated-host.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { connectClient, connectWorker } from './connection.js';
import { createControllerWorker } from './controller.js';
import { followDeployment, startDeployment, UsageError } from './deployments.js';
import { startLocalStack } from './local-stack.js';
import { settlesWithin } from './processes.js';
import { progressLines } from './cli/render.js';
import { REPO_ROOT } from './tools.js';

export const DEMO_HOSTS = ['host-1', 'host-2', 'host-3'];
export const SAMPLE_APP = join(REPO_ROOT, 'examples', 'sample-app');

/**
 * The Quickstart (`npm start`): the embedded stack, a controller worker and three simulated hosts,
 * then an in-place deployment of examples/sample-app with progress as it happens. Exit status is the
 * outcome. With keepRunning, everything stays up for the Temporal UI and CLI until Ctrl-C.
 */
export async function runDemo(options: { keepRunning: boolean }): Promise<number> {
  const unsupported = simulatedHostUnsupported();
  if (unsupported) throw new UsageError(`the demo runs three simulated hosts on this machine, but ${unsupported}`);
  // GANTRY_DEMO_DIR lets tests run the demo in a scratch directory.
  const dataDir = process.env.GANTRY_DEMO_DIR || join(REPO_ROOT, '.gantry', 'demo');
  const started = Date.now();
  const say = (text: string): void => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);

  say('starting the Temporal dev server…');
  const stack = await startLocalStack({ dataDir, uiPort: process.env.GANTRY_DEMO_DIR ? false : undefined });
  const agents: AgentProcess[] = [];
  let interrupted = false;
  let interrupt: () => void = () => undefined;
  const interruption = new Promise<'interrupted'>((resolve) => {
    interrupt = () => resolve('interrupted');
  });
  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all(agents.map((agent) => agent.stop()));
      await stack.stop();
    })());
  const onSignal = (): void => {
    interrupted = true;
    interrupt();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say(`Temporal at ${stack.temporalAddress}${stack.uiUrl ? `, UI at ${stack.uiUrl}` : ''}`);
    const { connection: workerConnection, namespace } = await connectWorker({ address: stack.temporalAddress, namespace: stack.namespace });
    const controller = await createControllerWorker({ connection: workerConnection, namespace });
    const controllerRun = controller.run();

    for (const hostId of DEMO_HOSTS) {
      agents.push(
        startAgentProcess({
          hostId,
          rootDir: join(dataDir, 'hosts', hostId),
          address: stack.temporalAddress,
          namespace,
          simulated: true,
          tags: { app: 'gantry-sample' },
          // The demo prints each event itself; from the agents, only their problems.
          log: { level: 'warn', format: 'text' },
          output: (chunk) => {
            if (/error/i.test(chunk)) process.stderr.write(`[${hostId}] ${chunk}`);
          },
        }),
      );
    }
    say(`started agents ${DEMO_HOSTS.join(', ')} (simulated hosts, roots under .gantry/demo/hosts/)`);

    const { client, connection } = await connectClient({ address: stack.temporalAddress, namespace });
    const deploymentId = await startDeployment(client, {
      applicationName: 'gantry-sample',
      deploymentGroupName: 'demo',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      description: 'Quickstart deployment of examples/sample-app',
      revision: { revisionType: 'Local', local: { path: SAMPLE_APP } },
      targetHosts: DEMO_HOSTS,
    });
    say(`deployment ${deploymentId} started (in place, one host at a time)`);
    let previous: DeploymentView | undefined;
    const following = followDeployment(client, deploymentId, (view) => {
      for (const line of progressLines(previous, view)) say(line);
      previous = view;
    });
    following.catch(() => undefined); // after an interruption the stack goes away under it
    const final = await Promise.race([following, interruption]);
    if (final === 'interrupted') {
      say(`interrupted: stopping the agents and the dev server (deployment ${deploymentId} stays recorded in ${dataDir})`);
      // Ctrl-C means now: the simulated hosts are killed outright (everything their hooks started dies
      // with them); waiting for agents to drain an interrupted deployment can take their full grace time.
      stopped = (async () => {
        await Promise.all(agents.map((agent) => agent.kill()));
        await stack.stop();
      })();
      await stopped;
      if (controller.getState() === 'RUNNING') controller.shutdown();
      await settlesWithin(controllerRun, 5_000);
      return 130;
    }
    await connection.close();

    console.log('');
    console.log(`Outcome:       ${final.status}${final.errorInformation ? ` (${final.errorInformation.code}: ${final.errorInformation.message})` : ''}`);
    console.log(`Deployment ID: ${deploymentId}`);
    if (stack.uiUrl) console.log(`Temporal UI:   ${stack.uiUrl}/namespaces/${namespace}/workflows/${deploymentId}`);
    console.log(`Inspect:       npx gantry get-deployment --address ${stack.temporalAddress} --deployment-id ${deploymentId} --output text`);

    if (options.keepRunning) {
      console.log(`\nStack kept running (Temporal ${stack.temporalAddress}). Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => {
        if (interrupted) resolve();
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
    // On Ctrl-C the Temporal runtime has already begun shutting the worker down.
    if (controller.getState() === 'RUNNING') controller.shutdown();
    await controllerRun;
    await workerConnection.close();
    return final.status === 'Succeeded' ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await shutdown();
  }
}
