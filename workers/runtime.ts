import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

/** Messages that are expected for Gantry's workers (agents have no workflows, the controller no activities). */
const EXPECTED = [/^No (activities|workflows|Nexus services) registered/];

let installed = false;

/** Installs the Temporal runtime once per process, logging warnings and errors only. */
export function installRuntime(): void {
  if (installed) return;
  installed = true;
  const base = new DefaultLogger('WARN');
  const logger = new DefaultLogger('WARN', (entry: LogEntry) => {
    if (EXPECTED.some((pattern) => pattern.test(entry.message))) return;
    base.log(entry.level, entry.message, entry.meta);
  });
  Runtime.install({ logger });
}
