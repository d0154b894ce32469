import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { HostRegistration } from './contracts/hosts.js';
import { deregisterHostSignal, hostsQuery, registerHostSignal } from './messages.js';

/** Keep each run's history short: registrations arrive with every agent start, forever. */
const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;

/**
 * The durable list of hosts whose agents have registered, with their tags and zone. Agents register
 * with signal-with-start, so the registry exists as soon as the first agent starts. It never ends;
 * it continues as new, carrying the hosts over, before its history grows long.
 */
export async function hostRegistry(state: { hosts?: HostRegistration[] } = {}): Promise<never> {
  const hosts = new Map<string, HostRegistration>((state.hosts ?? []).map((h) => [h.hostId, h]));
  setHandler(registerHostSignal, (registration) => {
    hosts.set(registration.hostId, registration);
  });
  setHandler(deregisterHostSignal, ({ hostId }) => {
    hosts.delete(hostId);
  });
  setHandler(hostsQuery, () => [...hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId)));
  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof hostRegistry>({ hosts: [...hosts.values()] });
}
