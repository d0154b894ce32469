#!/usr/bin/env node
// Brings everything Gantry needs onto a fresh machine, idempotently, using Node built-ins only:
//   1. npm dependencies (from the committed lockfile),
//   2. the official Temporal CLI (dev server), built once from the Go module proxy and cached per user,
//   3. moto server (AWS API emulator) in a project-local Python virtualenv,
//   4. Temporal's time-skipping test server (Java, from Maven Central), where Java and Maven exist,
//   5. the Temporal server and temporal-sql-tool (built like the CLI) and PostgreSQL (Debian's package),
//      for `gantry cluster` and the suite's pass on a production-shaped server,
//   6. Node.js 24 (the npm registry's node-<os>-<arch> package), on which .ci/run also runs the unit
//      and workflow suites.
// A second run finds everything in place and takes a few seconds. Resolved tool paths are written to
// .gantry/tools.json, where the local stack looks them up.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUIET = process.argv.includes('--quiet');
const TEMPORAL_CLI_VERSION = '1.5.1'; // last tag installable with plain `go install` (see ARCHITECTURE.md)
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const MIN_GO = [1, 25];
const MOTO_REQUIREMENTS = join(ROOT, 'scripts', 'moto-requirements.txt');
const MOTO_VENV = join(ROOT, '.venv-moto');
const MANIFEST = join(ROOT, '.gantry', 'tools.json');
const TEST_SERVER_POM = join(ROOT, 'scripts', 'temporal-test-server', 'pom.xml');
const NODE_LTS_VERSION = '24.22.3'; // the newest LTS; .ci/run runs the unit and workflow suites on it

class BootstrapError extends Error {}

function info(message) {
  if (!QUIET) console.log(`[bootstrap] ${message}`);
}
function announce(message) {
  console.log(`[bootstrap] ${message}`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  return { ok: result.status === 0 && !result.error, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error };
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new BootstrapError(`Node.js ${process.versions.node} is too old: Gantry needs Node.js 20.19 or newer.`);
  }
}

// ---------- npm dependencies ----------
function ensureNodeModules() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) {
    info('npm dependencies: present');
    return;
  }
  announce('installing npm dependencies (npm ci)…');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new BootstrapError('npm ci failed: check that the npm registry is reachable and package-lock.json is intact.');
  }
}

// ---------- Temporal CLI ----------
function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gantry');
}

function temporalVersion(path) {
  const result = run(path, ['--version']);
  if (!result.ok) return undefined;
  return result.stdout.trim() || result.stderr.trim();
}

function goVersion() {
  const go = onPath('go');
  if (!go) return undefined;
  const out = run(go, ['env', 'GOVERSION']);
  const match = /go(\d+)\.(\d+)/.exec(out.stdout);
  return match ? { path: go, major: Number(match[1]), minor: Number(match[2]), text: out.stdout.trim() } : undefined;
}

/** `go install`s `packages` (module@version paths) and moves each built binary (GOBIN name → target path). */
async function goInstall(label, packages, ldflags, binaries) {
  const go = goVersion();
  const tooOld = go && (go.major < MIN_GO[0] || (go.major === MIN_GO[0] && go.minor < MIN_GO[1]));
  if (!go || (tooOld && go.minor < 21)) {
    throw new BootstrapError(`building ${label} needs Go ${MIN_GO.join('.')} or newer, from the Go module proxy${go ? ` (found ${go.text}).` : ' (no `go` on PATH).'}`);
  }
  const firstTarget = Object.values(binaries)[0];
  const workDir = `${dirname(firstTarget)}.build-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  announce(`building ${label} from the Go module proxy (first run only; several minutes)…`);
  const started = Date.now();
  let compiled = 0;
  let downloaded = 0;
  let last = '';
  const ticker = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    announce(`  ${secs}s: ${downloaded} modules downloaded, ${compiled} packages compiled${last ? `, last ${last}` : ''}`);
  }, 15_000);
  const env = {
    ...process.env,
    CGO_ENABLED: '0',
    GOBIN: workDir,
    GOFLAGS: '-mod=mod',
    ...(tooOld ? { GOTOOLCHAIN: `go${MIN_GO.join('.')}.0+auto` } : {}),
  };
  const args = ['install', '-v', '-trimpath', '-ldflags', ldflags, ...packages];
  const tail = [];
  const code = await new Promise((resolvePromise) => {
    const child = spawn(go.path, args, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (chunk) => {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        if (line.startsWith('go: downloading')) downloaded += 1;
        else if (!line.startsWith('go:')) {
          compiled += 1;
          last = line.trim();
        }
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('error', () => resolvePromise(-1));
    child.on('close', (status) => resolvePromise(status ?? -1));
  });
  clearInterval(ticker);
  const missing = Object.keys(binaries).filter((name) => !existsSync(join(workDir, name)));
  if (code !== 0 || missing.length > 0) {
    rmSync(workDir, { recursive: true, force: true });
    throw new BootstrapError(`building ${label} failed (go exit ${code}). Last output:\n${tail.join('\n')}`);
  }
  for (const [name, target] of Object.entries(binaries)) {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(workDir, name), target);
  }
  rmSync(workDir, { recursive: true, force: true });
  announce(`  built in ${Math.round((Date.now() - started) / 1000)}s → ${Object.values(binaries).join(', ')}`);
}

async function buildTemporalCli(target) {
  try {
    await goInstall(`the Temporal CLI v${TEMPORAL_CLI_VERSION}`, [`${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`], `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`, { temporal: target });
  } catch (err) {
    if (err instanceof BootstrapError) throw new BootstrapError(`${err.message}\nSet TEMPORAL_CLI_PATH to an existing temporal binary, or put \`temporal\` on PATH, to skip the build.`);
    throw err;
  }
}

async function ensureTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BootstrapError(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist.`);
    const version = temporalVersion(fromEnv);
    if (!version) throw new BootstrapError(`TEMPORAL_CLI_PATH=${fromEnv} does not run (\`${fromEnv} --version\` failed).`);
    info(`Temporal CLI: ${fromEnv} (${version}, from TEMPORAL_CLI_PATH)`);
    return fromEnv;
  }
  const cached = join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
  if (!existsSync(cached)) {
    const system = onPath('temporal');
    if (system && temporalVersion(system)) {
      info(`Temporal CLI: ${system} (${temporalVersion(system)}, from PATH)`);
      return system;
    }
    await buildTemporalCli(cached);
  }
  const version = temporalVersion(cached);
  if (!version) {
    throw new BootstrapError(`the cached Temporal CLI at ${cached} does not run; delete it and run the bootstrap again.`);
  }
  info(`Temporal CLI: ${cached} (${version})`);
  return cached;
}

// ---------- moto server ----------
function motoStamp() {
  return createHash('sha256').update(readFileSync(MOTO_REQUIREMENTS)).digest('hex');
}

function ensureMoto() {
  const fromEnv = process.env.GANTRY_MOTO_SERVER;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BootstrapError(`GANTRY_MOTO_SERVER points to ${fromEnv}, which does not exist.`);
    info(`moto server: ${fromEnv} (from GANTRY_MOTO_SERVER)`);
    return fromEnv;
  }
  const server = join(MOTO_VENV, 'bin', 'moto_server');
  const stampFile = join(MOTO_VENV, '.gantry-stamp');
  const stamp = motoStamp();
  if (existsSync(server) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    info(`moto server: ${server}`);
    return server;
  }
  const python = process.env.GANTRY_PYTHON || onPath('python3');
  if (!python) {
    throw new BootstrapError(
      'moto server needs Python 3 with venv: install python3 and python3-venv (Debian: apt-get install python3-venv), ' +
        'or set GANTRY_MOTO_SERVER to an existing moto_server executable.',
    );
  }
  announce('installing moto server into .venv-moto (first run only)…');
  rmSync(MOTO_VENV, { recursive: true, force: true });
  const venv = run(python, ['-m', 'venv', MOTO_VENV]);
  if (!venv.ok) {
    throw new BootstrapError(
      `\`${python} -m venv\` failed: ${venv.stderr.trim() || venv.error}. Install python3-venv (Debian: apt-get install python3-venv), ` +
        'or set GANTRY_MOTO_SERVER to an existing moto_server executable.',
    );
  }
  const pip = spawnSync(join(MOTO_VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', MOTO_REQUIREMENTS], {
    stdio: 'inherit',
  });
  if (pip.status !== 0 || !existsSync(server)) {
    rmSync(MOTO_VENV, { recursive: true, force: true });
    throw new BootstrapError('pip could not install moto[server] from scripts/moto-requirements.txt: check that PyPI is reachable.');
  }
  writeFileSync(stampFile, stamp);
  announce(`  moto server ready → ${server}`);
  return server;
}

// ---------- Temporal's time-skipping test server ----------
/**
 * Resolves the Java test server's classpath from Maven Central (cached per user, keyed by the pom's
 * hash) and writes a launcher the TypeScript SDK runs as an existing executable. Without Java and
 * Maven it is left out, and the tests that need it say why they cannot run.
 */
function ensureTimeSkippingServer() {
  const stamp = createHash('sha256').update(readFileSync(TEST_SERVER_POM)).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), 'temporal-test-server', stamp);
  const launcher = join(dir, 'temporal-test-server');
  if (existsSync(launcher)) {
    info(`Temporal time-skipping test server: ${launcher}`);
    return launcher;
  }
  const java = onPath('java');
  const mvn = onPath('mvn');
  if (!java || !mvn) {
    announce('Temporal time-skipping test server: left out (it needs java and mvn on PATH); the tests of long Lambda shifts will say so.');
    return undefined;
  }
  announce('resolving Temporal\'s time-skipping test server from Maven Central (first run only)…');
  mkdirSync(dir, { recursive: true });
  const classpathFile = join(dir, 'classpath.txt');
  const resolved = spawnSync(mvn, ['-q', '-B', '-f', TEST_SERVER_POM, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], { stdio: QUIET ? 'ignore' : 'inherit' });
  if (resolved.status !== 0 || !existsSync(classpathFile)) {
    rmSync(dir, { recursive: true, force: true });
    throw new BootstrapError('mvn could not resolve io.temporal:temporal-test-server (scripts/temporal-test-server/pom.xml): check that Maven Central is reachable.');
  }
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  const script = `#!/bin/sh\n# Temporal's time-skipping test server; the SDK passes the port.\nexec "${java}" -cp "${classpath}" io.temporal.testserver.TestServer "$@"\n`;
  writeFileSync(`${launcher}.tmp`, script, { mode: 0o755 });
  renameSync(`${launcher}.tmp`, launcher);
  announce(`  test server ready → ${launcher}`);
  return launcher;
}

// ---------- Temporal server on PostgreSQL (the suite's cluster pass, `gantry cluster`) ----------
/** The server version the CLI embeds (`temporal --version` says `Server X.Y.Z`). */
function embeddedServerVersion(cli) {
  return /Server (\d+\.\d+\.\d+)/.exec(temporalVersion(cli) ?? '')?.[1];
}

/** PostgreSQL's binaries (initdb, postgres, pg_isready, psql): Debian's newest major, else from PATH. */
function postgresBinDir() {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const major of majors) if (['initdb', 'postgres', 'pg_isready', 'psql'].every((b) => existsSync(join(debian, major, 'bin', b)))) return join(debian, major, 'bin');
  }
  const initdb = onPath('initdb');
  if (!initdb) return undefined;
  const dir = dirname(realpathSync(initdb));
  return ['postgres', 'pg_isready', 'psql'].every((b) => existsSync(join(dir, b))) ? dir : undefined;
}

function ensurePostgres() {
  const found = postgresBinDir();
  if (found) return found;
  const apt = onPath('apt-get');
  if (apt && process.getuid?.() === 0) {
    announce('installing PostgreSQL (Debian package postgresql; first run only)…');
    const installed = spawnSync(apt, ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: QUIET ? 'ignore' : 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (installed.status === 0 && postgresBinDir()) return postgresBinDir();
  }
  return { missing: `PostgreSQL is not installed${apt ? (process.getuid?.() === 0 ? ' and apt-get could not install it' : '; install it as root: apt-get install postgresql') : ': install PostgreSQL 12 or newer so that initdb, postgres, pg_isready and psql are on PATH'}` };
}

/**
 * The Temporal server and temporal-sql-tool at the version the CLI embeds, built from the Go module
 * proxy and cached like the CLI, plus the machine's PostgreSQL. Never fatal: without them `npm start`
 * still works, and the suite's cluster pass says what is missing.
 */
async function ensureCluster(cli) {
  const version = embeddedServerVersion(cli);
  if (!version) return { missing: `the Temporal CLI at ${cli} does not say which server version it embeds` };
  const dir = join(cacheRoot(), 'temporal-server', version);
  const server = join(dir, 'temporal-server');
  const sqlTool = join(dir, 'temporal-sql-tool');
  if (!existsSync(server) || !existsSync(sqlTool)) {
    if (!goVersion()) return { missing: 'building the Temporal server needs Go 1.25 or newer on PATH' };
    const module = 'go.temporal.io/server';
    await goInstall(`the Temporal server v${version} and temporal-sql-tool`, [`${module}/cmd/server@v${version}`, `${module}/cmd/tools/sql@v${version}`], '-s -w', { server, sql: sqlTool });
  }
  const postgresBin = ensurePostgres();
  if (typeof postgresBin !== 'string') return postgresBin;
  info(`Temporal server: ${server}; PostgreSQL: ${postgresBin}`);
  return { server, sqlTool, postgresBin };
}

// ---------- Node.js LTS (a second runtime for the suites) ----------
/**
 * Node.js ${NODE_LTS_VERSION} from the npm registry's `node-<platform>-<arch>` package (the official binary,
 * repackaged), cached per user. Never fatal: the machine's own Node runs everything else.
 */
function ensureNodeLts() {
  const dir = join(cacheRoot(), 'node', NODE_LTS_VERSION);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary) && run(binary, ['--version']).stdout.trim() === `v${NODE_LTS_VERSION}`) {
    info(`Node.js ${NODE_LTS_VERSION}: ${binary}`);
    return binary;
  }
  const pkg = `node-${process.platform}-${process.arch}@${NODE_LTS_VERSION}`;
  announce(`fetching Node.js ${NODE_LTS_VERSION} (${pkg} from the npm registry; first run only)…`);
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const packed = run('npm', ['pack', pkg, '--pack-destination', staging, '--silent'], { cwd: staging });
  const tarball = packed.ok ? readdirSync(staging).find((f) => f.endsWith('.tgz')) : undefined;
  if (!tarball || !run('tar', ['-xzf', join(staging, tarball), '-C', staging]).ok || !existsSync(join(staging, 'package', 'bin', 'node'))) {
    rmSync(staging, { recursive: true, force: true });
    return { missing: `npm could not fetch ${pkg}${packed.stderr ? `: ${packed.stderr.trim().split('\n').pop()}` : ''}` };
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(staging, 'package'), dir);
  rmSync(staging, { recursive: true, force: true });
  announce(`  Node.js ready → ${binary}`);
  return binary;
}

async function main() {
  const started = Date.now();
  checkNode();
  ensureNodeModules();
  const temporal = await ensureTemporalCli();
  const motoServer = ensureMoto();
  const timeSkippingServer = ensureTimeSkippingServer();
  const cluster = await ensureCluster(temporal);
  if (cluster.missing) announce(`Temporal server on PostgreSQL: left out (${cluster.missing}); gantry cluster and the suite's cluster pass need it.`);
  const nodeLts = ensureNodeLts();
  if (typeof nodeLts !== 'string') announce(`Node.js ${NODE_LTS_VERSION}: left out (${nodeLts.missing}); .ci/run's pass on it needs it.`);
  mkdirSync(dirname(MANIFEST), { recursive: true });
  writeFileSync(MANIFEST, `${JSON.stringify({ temporal, motoServer, ...(timeSkippingServer ? { timeSkippingServer } : {}), cluster, nodeLts: typeof nodeLts === 'string' ? { version: NODE_LTS_VERSION, binary: nodeLts } : nodeLts }, null, 2)}\n`);
  info(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err) => {
  console.error(`[bootstrap] ${err instanceof BootstrapError ? err.message : err?.stack ?? err}`);
  process.exit(1);
});
