import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

/** Messages that are expected for Gantry's workers (agents have no workflows, the controller no activities). */
const EXPECTED = [/^No (activities|workflows|Nexus services) registered/];

let installed = false;

export interface RuntimeSettings {
  /**
   * `--metrics-listen HOST:PORT`: serve Prometheus metrics at http://HOST:PORT/metrics: Temporal's
   * own (`temporal_*`) and Gantry's (`gantry_*`, workers/metrics.ts), from one exporter.
   */
  metricsListen?: string;
  /** Tags on every metric: which Gantry process this is (and an agent's host). */
  metricTags?: Record<string, string>;
}

/** Installs the Temporal runtime once per process, logging warnings and errors only. */
export function installRuntime(settings: RuntimeSettings = {}): void {
  if (installed) return;
  installed = true;
  const base = new DefaultLogger('WARN');
  const logger = new DefaultLogger('WARN', (entry: LogEntry) => {
    if (EXPECTED.some((pattern) => pattern.test(entry.message))) return;
    base.log(entry.level, entry.message, entry.meta);
  });
  Runtime.install({
    logger,
    ...(settings.metricsListen
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: settings.metricsListen, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true }, ...(settings.metricTags ? { globalTags: settings.metricTags } : {}) } } }
      : {}),
  });
}
