/**
 * Gantry on a Temporal server that requires mutual TLS (a throwaway CA): the controller worker, an
 * agent and the CLI connect through the standard TEMPORAL_TLS_* settings or a config-file profile, a
 * deployment runs end to end, and clients without a certificate (or without TLS) are refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLayerPath } from '../../agent/simulated-host.js';
import { GANTRY_BIN, startAgentProcess, type AgentProcess } from '../../workers/agent-process.js';
import { startCluster, type ClusterStack } from '../../workers/cluster.js';
import { stopProcess } from '../../workers/processes.js';
import { gantry } from '../support/cli.js';
import { scratchDir, uniqueName } from '../support/harness.js';
import { writeProbeRevision } from '../support/probe-revision.js';

describe('e2e: Gantry on a Temporal server that requires mutual TLS', () => {
  let cluster: ClusterStack;
  let worker: ChildProcess | undefined;
  let agent: AgentProcess | undefined;
  const name = uniqueName('tls');
  const app = `gantry-tls-${name}`;
  const base = scratchDir('e2e-cluster-tls');
  const host = `${name}-h1`;
  // Its own directory: PostgreSQL runs as another user, which cannot enter the test's private one.
  const clusterDir = scratchDir('e2e-cluster-tls-data');
  /** The settings every Gantry process reads, as the Temporal CLI does. */
  let tlsEnv: NodeJS.ProcessEnv = {};
  // The suite's own server settings must not leak into these processes.
  const clean = { TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined, TEMPORAL_PROFILE: undefined, TEMPORAL_CONFIG_FILE: join(base, 'none.toml') };

  beforeAll(async () => {
    cluster = await startCluster({ dataDir: clusterDir, fsync: false, tls: { mutual: true } });
    const certs = cluster.certificates as NonNullable<ClusterStack['certificates']>;
    tlsEnv = {
      ...clean,
      TEMPORAL_ADDRESS: cluster.temporalAddress,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile,
      TEMPORAL_TLS_SERVER_NAME: certs.serverName,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyFile,
    };
    writeProbeRevision(join(base, 'v1'), app, join(base, 'fail-at'));
    worker = spawn(process.execPath, [GANTRY_BIN, 'worker', '--task-queue', name], { stdio: 'ignore', env: { ...process.env, ...tlsEnv } });
    // No --address or --namespace: the agent finds the server, and its certificate, in its environment.
    agent = startAgentProcess({ hostId: host, rootDir: join(base, 'hosts', host), address: '', namespace: '', simulated: true, controllerTaskQueue: name, env: tlsEnv });
  });
  afterAll(async () => {
    await agent?.kill();
    if (worker) await stopProcess(worker);
    await cluster?.stop();
    rmSync(clusterDir, { recursive: true, force: true });
  });

  it('deploys with the controller, an agent and the CLI all on TEMPORAL_TLS_* settings', async () => {
    const deployed = await gantry(['create-deployment', '--task-queue', name, '--application-name', 'tls-app', '--deployment-group-name', name, '--target-hosts', host, '--local-location', `path=${join(base, 'v1')}`, '--wait'], tlsEnv);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout).deploymentInfo.status).toBe('Succeeded');
    expect(readFileSync(hostLayerPath(join(base, 'hosts', host), '/srv', app, 'index.html'), 'utf8')).toBe('probe');

    // The same server through a profile in the Temporal config file.
    const certs = cluster.certificates as NonNullable<ClusterStack['certificates']>;
    const configFile = join(base, 'temporal.toml');
    writeFileSync(configFile, `[profile.secure]\naddress = "${cluster.temporalAddress}"\nnamespace = "${cluster.namespace}"\n\n[profile.secure.tls]\nserver_ca_cert_path = "${certs.caFile}"\nserver_name = "${certs.serverName}"\nclient_cert_path = "${certs.clientCertFile}"\nclient_key_path = "${certs.clientKeyFile}"\n`);
    const viaProfile = await gantry(['get-deployment', '--profile', 'secure', '--deployment-id', JSON.parse(deployed.stdout).deploymentInfo.deploymentId], { ...clean, TEMPORAL_CONFIG_FILE: configFile });
    expect(viaProfile.code, viaProfile.stderr).toBe(0);
    expect(JSON.parse(viaProfile.stdout).deploymentInfo.status).toBe('Succeeded');
  });

  it('refuses a client without a certificate, and one without TLS', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...noCertificate } = tlsEnv;
    const anonymous = await gantry(['list-applications'], { ...noCertificate, TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stdout).toBe('');
    expect(anonymous.stderr).toMatch(new RegExp(`^gantry: could not connect to Temporal at ${cluster.temporalAddress} \\(with TLS\\): .*requires client certificates refuses clients without one\\n$`));
    const plain = await gantry(['list-applications'], { ...clean, TEMPORAL_ADDRESS: cluster.temporalAddress });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/^gantry: could not connect to Temporal at .* \(without TLS\)/);
  });
});
