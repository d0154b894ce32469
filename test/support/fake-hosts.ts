import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { AgentActivities, LifecycleEventInput } from '../../workflows/contracts/agent.js';
import type { HostRegistration } from '../../workflows/contracts/hosts.js';
import { AGENT_EVENTS, type AgentEventName } from '../../workflows/contracts/lifecycle.js';
import { hostRegistryWorkflowId, hostTaskQueue, WorkflowType } from '../../workflows/contracts/naming.js';
import { registerHostSignal } from '../../workflows/messages.js';
import type { Harness } from './harness.js';

/** What a fake host does at its events: fail one of them, or hang (stop answering) at one. */
export interface FakeBehaviour {
  failAt?: AgentEventName;
  hangAt?: AgentEventName;
}

export interface FakeFleet {
  /** `host:event` in the order events ran, across all hosts. */
  calls: string[];
  behaviour: Map<string, FakeBehaviour>;
  /** Most hosts seen between their first and last event at the same time. */
  maxInFlight(): number;
  /** Forgets calls and the in-flight high-water mark. */
  reset(): void;
  /** Registers the hosts in the harness's registry, as agents would. */
  register(registrations: Omit<HostRegistration, 'registeredAt'>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Scripted hosts: one activity worker per host queue, answering every agent event after `eventMs`.
 * Cheap stand-ins for agents in workflow tests.
 */
export async function startFakeFleet(harness: Harness, hostIds: readonly string[], eventMs = 30): Promise<FakeFleet> {
  const calls: string[] = [];
  const behaviour = new Map<string, FakeBehaviour>();
  const inFlight = new Set<string>();
  let high = 0;
  const activities = AGENT_EVENTS.map((event) => [
    event,
    async ({ hostId }: LifecycleEventInput) => {
      calls.push(`${hostId}:${event}`);
      inFlight.add(hostId);
      high = Math.max(high, inFlight.size);
      const script = behaviour.get(hostId) ?? {};
      // Hangs without heartbeating, like a dead agent, until the worker shuts down.
      if (script.hangAt === event) await new Promise((_, reject) => Context.current().cancellationSignal.addEventListener('abort', () => reject(new Error('cancelled'))));
      await new Promise((resolve) => setTimeout(resolve, eventMs));
      if (script.failAt === event) {
        inFlight.delete(hostId);
        const message = `Script at scripts/${event}.sh failed with exit code 2`;
        throw ApplicationFailure.create({
          type: 'ScriptFailed',
          message,
          nonRetryable: true,
          details: [{ errorCode: 'ScriptFailed', scriptName: `scripts/${event}.sh`, message, logTail: '[stderr]boom' }],
        });
      }
      if (event === 'ValidateService') inFlight.delete(hostId);
      return { status: 'Succeeded' as const, diagnostics: { errorCode: 'Success' as const, message: 'ok', logTail: '' } };
    },
  ]);
  const workers = await Promise.all(
    hostIds.map((hostId) =>
      Worker.create({
        connection: harness.workerConnection,
        namespace: harness.client.options.namespace,
        taskQueue: hostTaskQueue(hostId),
        activities: Object.fromEntries(activities) as AgentActivities,
        shutdownForceTime: '5s',
      }),
    ),
  );
  const runs = workers.map((w) => w.run());
  return {
    calls,
    behaviour,
    maxInFlight: () => high,
    reset() {
      calls.length = 0;
      inFlight.clear();
      high = 0;
    },
    async register(registrations) {
      for (const registration of registrations) {
        await harness.client.workflow.signalWithStart(WorkflowType.hostRegistry, {
          workflowId: hostRegistryWorkflowId(harness.taskQueue),
          taskQueue: harness.taskQueue,
          args: [{}],
          signal: registerHostSignal,
          signalArgs: [{ ...registration, registeredAt: new Date().toISOString() }],
        });
      }
    },
    async close() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(runs);
    },
  };
}
