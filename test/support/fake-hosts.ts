import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { AgentActivities, LifecycleEventInput } from '../../workflows/contracts/agent.js';
import type { HostRegistration } from '../../workflows/contracts/hosts.js';
import { AGENT_EVENTS, type AgentEventName, type HookEventName } from '../../workflows/contracts/lifecycle.js';
import { hostRegistryWorkflowId, hostTaskQueue, WorkflowType } from '../../workflows/contracts/naming.js';
import { registerHostSignal } from '../../workflows/messages.js';
import type { Harness } from './harness.js';

/** What a fake host does at its events: fail one, run one for ever (heartbeating), or go silent at one. */
export interface FakeBehaviour {
  failAt?: AgentEventName;
  /** A hook that never ends but whose agent is alive: it heartbeats and honours cancellation. */
  slowAt?: AgentEventName;
  /** A dead agent: no heartbeats, no answer. */
  deadAt?: AgentEventName;
  /** DownloadBundle answers that the revision has scripts for these hooks only (as a real agent does from its AppSpec). */
  scriptedEvents?: HookEventName[];
  /** Apply the above only to deployments of the local revision at this path. */
  onlyRevision?: string;
}

export interface FakeFleet {
  /** `host:event` in the order events ran, across all hosts. */
  calls: string[];
  /** `host:event` of slow events that were cancelled. */
  cancelledEvents: string[];
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
  const cancelledEvents: string[] = [];
  const behaviour = new Map<string, FakeBehaviour>();
  const inFlight = new Set<string>();
  let high = 0;
  const activities = AGENT_EVENTS.map((event) => [
    event,
    async ({ hostId, deployment }: LifecycleEventInput) => {
      calls.push(`${hostId}:${event}`);
      inFlight.add(hostId);
      high = Math.max(high, inFlight.size);
      const configured = behaviour.get(hostId) ?? {};
      const revisionPath = deployment.revision.revisionType === 'Local' ? deployment.revision.local.path : undefined;
      const script = configured.onlyRevision === undefined || configured.onlyRevision === revisionPath ? configured : {};
      const ctx = Context.current();
      const cancelled = () => new Promise((_, reject) => ctx.cancellationSignal.addEventListener('abort', () => reject(ctx.cancellationSignal.reason)));
      // Silent until the worker shuts down, like a dead agent.
      if (script.deadAt === event) await cancelled();
      if (script.slowAt === event) {
        const beat = setInterval(() => ctx.heartbeat(), 200);
        try {
          await cancelled();
        } finally {
          clearInterval(beat);
          inFlight.delete(hostId);
          cancelledEvents.push(`${hostId}:${event}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, eventMs));
      if (script.failAt === event) {
        inFlight.delete(hostId);
        const message = `Script at specified location: scripts/${event}.sh failed with exit code 2`;
        throw ApplicationFailure.create({
          type: 'ScriptFailed',
          message,
          nonRetryable: true,
          details: [{ errorCode: 'ScriptFailed', scriptName: `scripts/${event}.sh`, message, logTail: '[stderr]boom' }],
        });
      }
      // The host's last event on this queue: ValidateService, or with hooks answered by the controller the last one with scripts (else Install).
      const last = script.scriptedEvents ? (['ValidateService', 'ApplicationStart', 'AfterInstall'] as const).find((e) => script.scriptedEvents?.includes(e)) ?? 'Install' : 'ValidateService';
      if (event === last) inFlight.delete(hostId);
      const result = { status: 'Succeeded' as const, diagnostics: { errorCode: 'Success' as const, message: 'ok', logTail: '' } };
      return event === 'DownloadBundle' && script.scriptedEvents ? { ...result, scriptedEvents: script.scriptedEvents } : result;
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
        maxHeartbeatThrottleInterval: '500ms',
      }),
    ),
  );
  const runs = workers.map((w) => w.run());
  return {
    calls,
    cancelledEvents,
    behaviour,
    maxInFlight: () => high,
    reset() {
      calls.length = 0;
      cancelledEvents.length = 0;
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
