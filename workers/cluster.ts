/**
 * A production-shaped Temporal on one machine: PostgreSQL in a private data directory on a loopback
 * port, Temporal's schemas created by Temporal's own `temporal-sql-tool`, and the Temporal server
 * (all four services in one process, 4 history shards, SQL visibility) with Gantry's search
 * attributes registered. `gantry cluster` runs it; the test suite's cluster pass runs against it.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { collectOutput, ensureSearchAttributes } from './local-stack.js';
import { freePort, portInUse, spawnTied, stopProcess, waitUntil } from './processes.js';
import { clusterTools } from './tools.js';

export interface ClusterOptions {
  /** Holds PostgreSQL's data directory and the server's configuration (created if missing; reused when it exists). */
  dataDir: string;
  namespace?: string;
  /** Temporal frontend port; default: a free one. */
  port?: number;
  /** History shards (fixed when the database is created). Default 4. */
  historyShards?: number;
  /** PostgreSQL fsync; off makes tests faster, and only an OS crash could lose the last writes. Default on. */
  fsync?: boolean;
  /**
   * TLS on every connection, with a throwaway certificate authority made in `dataDir/tls`;
   * `mutual` also refuses clients without a certificate it signed.
   */
  tls?: { mutual?: boolean };
  verbose?: boolean;
}

/** The throwaway certificates of a TLS cluster: what a client needs (TEMPORAL_TLS_* or a profile). */
export interface ClusterCertificates {
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The name the server's certificate carries (TEMPORAL_TLS_SERVER_NAME). */
  serverName: string;
}

export interface ClusterStack {
  temporalAddress: string;
  /** Set when the cluster runs with TLS. */
  certificates?: ClusterCertificates;
  namespace: string;
  postgresPort: number;
  /** The server process: tests of durability kill it and start it again. */
  server(): ChildProcess;
  /** Starts the Temporal server again (same ports, same database) after it stopped or was killed. */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

const DB_USER = 'temporal';

/**
 * Free loopback ports below 32768: Temporal's SQL schema stores membership ports as smallint, and the
 * kernel's ephemeral ports (what port 0 gives) start at 32768.
 */
async function lowFreePorts(count: number): Promise<number[]> {
  const found: number[] = [];
  for (let tries = 0; found.length < count && tries < 1000; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!found.includes(port) && !(await portInUse(port))) found.push(port);
  }
  if (found.length < count) throw new Error('no free loopback ports between 20000 and 32000 for the Temporal server');
  return found;
}

/** PostgreSQL refuses to run as root: it runs as the `postgres` user then (or `nobody`). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const found = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (found.status === 0 && gid.status === 0) return { uid: Number(found.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('PostgreSQL cannot run as root, and this machine has neither a postgres nor a nobody user to run it as');
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  chownSync(path, owner.uid, owner.gid);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), owner);
}

async function startPostgres(dir: string, port: number, options: ClusterOptions): Promise<ChildProcess> {
  const tools = clusterTools();
  const owner = postgresUser();
  const data = join(dir, 'postgres');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets, { recursive: true });
  if (!existsSync(join(data, 'PG_VERSION'))) {
    mkdirSync(data, { recursive: true });
    if (owner) chownTree(dir, owner);
    // Every directory above must let that user through.
    if (owner && spawnSync('test', ['-w', data], { ...owner }).status !== 0) {
      throw new Error(`PostgreSQL runs as uid ${owner.uid} and cannot reach ${data}: a directory above it is not searchable by that user; put the cluster's data directory elsewhere`);
    }
    execFileSync(join(tools.postgresBin, 'initdb'), ['-D', data, '-U', DB_USER, '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: options.verbose ? 'inherit' : 'ignore', ...(owner ?? {}) });
  }
  if (owner) chownTree(sockets, owner);
  const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', sockets, '-c', `fsync=${options.fsync === false ? 'off' : 'on'}`, '-c', 'max_connections=200'];
  const child = spawnTied(join(tools.postgresBin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
  const output = collectOutput(child, options.verbose ?? false);
  // An exit ends the wait too (waitUntil takes a failing check for "not yet").
  await waitUntil(`PostgreSQL on 127.0.0.1:${port}`, async () => child.exitCode !== null || spawnSync(join(tools.postgresBin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0, 60_000, 200);
  if (child.exitCode !== null) throw new Error(`PostgreSQL exited (code ${child.exitCode}):\n${output()}`);
  return child;
}

/** Creates (or brings up to date) Temporal's two databases with Temporal's own tool and embedded schemas. */
function createSchemas(postgresPort: number, verbose: boolean): void {
  const { sqlTool } = clusterTools();
  const base = ['--plugin', 'postgres12', '--endpoint', '127.0.0.1', '--port', String(postgresPort), '--user', DB_USER, '--password', ''];
  const run = (args: string[]): void => {
    const result = spawnSync(sqlTool, [...base, ...args], { encoding: 'utf8' });
    if (verbose) process.stderr.write(result.stdout + result.stderr);
    if (result.status !== 0) throw new Error(`temporal-sql-tool ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  };
  for (const [database, schema] of [['temporal', 'postgresql/v12/temporal'], ['temporal_visibility', 'postgresql/v12/visibility']] as const) {
    const exists = spawnSync(join(clusterTools().postgresBin, 'psql'), ['-h', '127.0.0.1', '-p', String(postgresPort), '-U', DB_USER, '-d', database, '-c', 'select 1'], { encoding: 'utf8' }).status === 0;
    if (!exists) run(['--database', database, 'create-database']);
    // setup-schema records version 0.0 only once; update-schema is a no-op when the schema is current.
    if (!exists) run(['--database', database, 'setup-schema', '--version', '0.0']);
    run(['--database', database, 'update-schema', '--schema-name', schema]);
  }
}

const SERVER_NAME = 'localhost';

/** A CA, a server certificate (also the services' client certificate among themselves) and a client certificate, made with openssl. */
function makeCertificates(dir: string): ClusterCertificates & { serverCertFile: string; serverKeyFile: string } {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  if (!existsSync(file('client.pem'))) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '30', '-subj', '/CN=Gantry throwaway CA']);
    const sign = (name: string, subject: string, extensions: string): void => {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
      writeFileSync(file(`${name}.ext`), extensions);
      openssl(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '30', '-extfile', file(`${name}.ext`)]);
    };
    sign('server', `/CN=${SERVER_NAME}`, `subjectAltName=DNS:${SERVER_NAME},IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n`);
    sign('client', '/CN=gantry-client', 'extendedKeyUsage=clientAuth\n');
  }
  return { caFile: file('ca.pem'), clientCertFile: file('client.pem'), clientKeyFile: file('client.key'), serverName: SERVER_NAME, serverCertFile: file('server.pem'), serverKeyFile: file('server.key') };
}

/** The server's TLS section: internode and frontend both TLS, client certificates required between services and (mutual) from clients. */
function tlsConfig(certs: ReturnType<typeof makeCertificates>, mutual: boolean): string {
  const group = (requireClientAuth: boolean): string => `      server:
        certFile: "${certs.serverCertFile}"
        keyFile: "${certs.serverKeyFile}"
        requireClientAuth: ${requireClientAuth}
        clientCaFiles: ["${certs.caFile}"]
      client:
        serverName: "${certs.serverName}"
        rootCaFiles: ["${certs.caFile}"]`;
  return `  tls:
    internode:
${group(true)}
    frontend:
${group(mutual)}
`;
}

interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The server's static configuration: PostgreSQL for both stores, loopback ports, nothing that phones home. */
function serverConfig(postgresPort: number, ports: ServerPorts, shards: number, dynamicConfigFile: string, tls = ''): string {
  const store = (database: string, conns: number): string => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${postgresPort}"
        connectProtocol: "tcp"
        user: "${DB_USER}"
        password: ""
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number): string => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    default:
${store('temporal', 20)}
    visibility:
${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
${tls}services:
  frontend:
${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: "10s"
`;
}

/** Dynamic config: no version check (no network here), search attributes usable as soon as they are added. */
const DYNAMIC_CONFIG = `frontend.enableServerVersionCheck:
  - value: false
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
`;

/** Connection options for Gantry's own calls to the server (readiness, namespace, search attributes). */
function connectOptions(address: string, certs?: ClusterCertificates): Parameters<typeof Connection.connect>[0] {
  if (!certs) return { address, connectTimeout: 1000 };
  return {
    address,
    connectTimeout: 1000,
    tls: { serverNameOverride: certs.serverName, serverRootCACertificate: readFileSync(certs.caFile), clientCertPair: { crt: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) } },
  };
}

async function startServer(dir: string, ports: ServerPorts, namespace: string, verbose: boolean, certs?: ClusterCertificates): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawnTied(clusterTools().server, ['--root', dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  const output = collectOutput(child, verbose);
  const address = `127.0.0.1:${ports.frontend}`;
  let connection: Connection | undefined;
  try {
    await waitUntil(
      `the Temporal server on ${address}`,
      async () => {
        if (child.exitCode !== null) return true;
        connection ??= await Connection.connect(connectOptions(address, certs));
        await connection.workflowService.getSystemInfo({});
        return true;
      },
      120_000,
      250,
    );
    if (child.exitCode !== null) throw new Error(`the Temporal server exited (code ${child.exitCode})`);
    const live = connection as unknown as Connection;
    // The server creates no namespace by itself.
    const known = await live.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
    // protobufjs takes a plain number for an int64.
    if (!known) await live.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
    // Each service learns of a new namespace on its next cache refresh: retry until all of them know it.
    await waitUntil(`namespace ${namespace} and Gantry's search attributes`, async () => {
      await ensureSearchAttributes(live, namespace);
      return true;
    }, 60_000, 500);
  } catch (err) {
    await stopProcess(child, 2000);
    throw new Error(`${(err as Error).message}${child.exitCode !== null ? `\n${output()}` : ''}`, { cause: err });
  } finally {
    await connection?.close();
  }
  return { child, output };
}

/**
 * Starts PostgreSQL, creates Temporal's schemas, then the Temporal server on them. A data directory
 * used before is reused (its databases and the server's ports' configuration are rewritten, not lost).
 */
export async function startCluster(options: ClusterOptions): Promise<ClusterStack> {
  const namespace = options.namespace ?? 'default';
  const verbose = options.verbose ?? false;
  mkdirSync(join(options.dataDir, 'config'), { recursive: true });
  const postgresPort = await freePort();
  const postgres = await startPostgres(options.dataDir, postgresPort, options);
  try {
    createSchemas(postgresPort, verbose);
    const low = await lowFreePorts(options.port ? 8 : 9);
    const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] = [options.port ?? (low.pop() as number), ...low];
    const ports = { frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership } as ServerPorts;
    const dynamicConfigFile = join(options.dataDir, 'config', 'dynamic.yaml');
    writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
    const certs = options.tls ? makeCertificates(join(options.dataDir, 'tls')) : undefined;
    writeFileSync(join(options.dataDir, 'config', 'cluster.yaml'), serverConfig(postgresPort, ports, options.historyShards ?? 4, dynamicConfigFile, certs ? tlsConfig(certs, options.tls?.mutual ?? false) : ''));
    const certificates = certs ? { caFile: certs.caFile, clientCertFile: certs.clientCertFile, clientKeyFile: certs.clientKeyFile, serverName: certs.serverName } : undefined;
    let server = await startServer(options.dataDir, ports, namespace, verbose, certificates);
    let stopping: Promise<void> | undefined;
    return {
      temporalAddress: `127.0.0.1:${ports.frontend}`,
      ...(certificates ? { certificates } : {}),
      namespace,
      postgresPort,
      server: () => server.child,
      async restartServer() {
        if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server.child);
        server = await startServer(options.dataDir, ports, namespace, verbose, certificates);
      },
      stop() {
        stopping ??= stopProcess(server.child).then(() => stopProcess(postgres));
        return stopping;
      },
    };
  } catch (err) {
    await stopProcess(postgres, 5000);
    throw err;
  }
}
