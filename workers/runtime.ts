import { Runtime } from '@temporalio/worker';
import { GantryLogger, setProcessLogger, type LogSettings } from './logging.js';

/** Messages that are expected for Gantry's workers (agents have no workflows, the controller no activities). */
const EXPECTED = [/^No (activities|workflows|Nexus services) registered/];

let installed: GantryLogger | undefined;

export interface RuntimeSettings {
  /**
   * `--metrics-listen HOST:PORT`: serve Prometheus metrics at http://HOST:PORT/metrics: Temporal's
   * own (`temporal_*`) and Gantry's (`gantry_*`, workers/metrics.ts), from one exporter.
   */
  metricsListen?: string;
  /** Fields on every metric and log line: which Gantry process this is (and an agent's host). */
  tags?: Record<string, string>;
  /** `--log-level` and `--log-format` (workers/logging.ts); default warnings and errors, as text. */
  log?: LogSettings;
}

/**
 * Installs the Temporal runtime once per process, with Gantry's logger (which it returns, so the
 * process can name the secrets it holds) and, when asked, the Prometheus exporter.
 */
export function installRuntime(settings: RuntimeSettings = {}): GantryLogger {
  if (installed) return installed;
  // Log lines name the host as deployments do (hostId); metrics use Prometheus's snake case (host_id).
  const { host_id: hostId, ...fields } = settings.tags ?? {};
  const logger = new GantryLogger({ ...(settings.log ?? { level: 'WARN', format: 'text' }), fields: { ...fields, ...(hostId ? { hostId } : {}) }, ignore: EXPECTED });
  installed = logger;
  setProcessLogger(logger);
  // Node's own warnings (the AWS SDK's Node version notice, deprecations) become log lines too, not free text.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn(warning.message.replace(/\s*\n\s*/g, ' '), { warning: warning.name }));
  Runtime.install({
    logger,
    ...(settings.metricsListen
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: settings.metricsListen, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true }, ...(settings.tags ? { globalTags: settings.tags } : {}) } } }
      : {}),
  });
  return logger;
}
