/**
 * A bench fleet: `count` cheap in-process host workers, one per host task queue, each answering every
 * agent event at once (no-op hooks, no files). Run as its own process so the controller's CPU can be
 * measured apart from the hosts'. Prints `ready` once every worker polls; exits on SIGTERM.
 *
 *   node --import tsx bench/fleet-hosts.ts <address> <namespace> <host-prefix> <count>
 */
import { Worker } from '@temporalio/worker';
import { connectWorker } from '../workers/connection.js';
import { installRuntime } from '../workers/runtime.js';
import type { AgentActivities } from '../workflows/contracts/agent.js';
import { AGENT_EVENTS } from '../workflows/contracts/lifecycle.js';
import { hostTaskQueue } from '../workflows/contracts/naming.js';

const [address, namespace, prefix, countText] = process.argv.slice(2);
const count = Number(countText);
if (!address || !namespace || !prefix || !Number.isInteger(count) || count < 1) {
  console.error('usage: fleet-hosts.ts <address> <namespace> <host-prefix> <count>');
  process.exit(2);
}
installRuntime();
const { connection } = await connectWorker({ address, namespace });
const noop = async () => ({ status: 'Succeeded' as const, diagnostics: { errorCode: 'Success' as const, message: 'no-op', logTail: '' } });
// A no-op revision has no scripts: DownloadBundle says so, as a real agent would, so the controller answers its hooks itself.
const activities = { ...Object.fromEntries(AGENT_EVENTS.map((event) => [event, noop])), DownloadBundle: async () => ({ ...(await noop()), scriptedEvents: [] }) } as unknown as AgentActivities;
const workers: Worker[] = [];
for (let i = 0; i < count; i += 1) {
  workers.push(
    await Worker.create({
      connection,
      namespace,
      taskQueue: hostTaskQueue(`${prefix}${i}`),
      activities,
      // One poller per host, as an agent would need: a thousand of them share two cores.
      maxConcurrentActivityTaskPolls: 1,
      maxConcurrentActivityTaskExecutions: 1,
      shutdownGraceTime: '1s',
    }),
  );
}
const runs = workers.map((worker) => worker.run());
console.log('ready');
process.once('SIGTERM', () => {
  for (const worker of workers) worker.shutdown();
});
await Promise.allSettled(runs);
await connection.close();
