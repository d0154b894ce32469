import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The project's root, whether this runs from source or from the compiled `dist/` (npm run build). */
export const REPO_ROOT = basename(here) === 'dist' ? dirname(here) : here;
/** `.ts` from source, `.js` when compiled: for modules loaded by path (the workflow bundle's entry, converters). */
export const MODULE_EXTENSION = extname(fileURLToPath(import.meta.url));

interface ToolManifest {
  temporal?: string;
  motoServer?: string;
  timeSkippingServer?: string;
  /** The Temporal server, its SQL schema tool and PostgreSQL's binaries; or why the bootstrap could not provide them. */
  cluster?: ClusterTools | { missing: string };
}

export interface ClusterTools {
  server: string;
  sqlTool: string;
  /** The directory holding initdb, postgres, pg_isready and psql. */
  postgresBin: string;
}

function manifest(): ToolManifest {
  const path = join(REPO_ROOT, '.gantry', 'tools.json');
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as ToolManifest;
}

/** The Temporal CLI: TEMPORAL_CLI_PATH, else what the bootstrap resolved. */
export function temporalCliPath(): string {
  const path = process.env.TEMPORAL_CLI_PATH || manifest().temporal;
  if (!path || !existsSync(path)) {
    throw new Error('The Temporal CLI is not installed: run `npm run bootstrap`, or set TEMPORAL_CLI_PATH to an existing temporal binary.');
  }
  return path;
}

/** moto server: GANTRY_MOTO_SERVER, else what the bootstrap installed in .venv-moto. */
export function motoServerPath(): string {
  const path = process.env.GANTRY_MOTO_SERVER || manifest().motoServer;
  if (!path || !existsSync(path)) {
    throw new Error('moto server is not installed: run `npm run bootstrap`, or set GANTRY_MOTO_SERVER to an existing moto_server executable.');
  }
  return path;
}

/** Temporal's time-skipping test server: GANTRY_TEST_SERVER, else what the bootstrap resolved (undefined without Java and Maven). */
export function timeSkippingServerPath(): string | undefined {
  const path = process.env.GANTRY_TEST_SERVER || manifest().timeSkippingServer;
  return path && existsSync(path) ? path : undefined;
}

/** What `gantry cluster` and the suite's cluster pass run: what the bootstrap built and found, or why it could not. */
export function clusterTools(): ClusterTools {
  const found = manifest().cluster;
  if (!found) throw new Error('The Temporal server and PostgreSQL are not set up: run `npm run bootstrap`.');
  if ('missing' in found) throw new Error(`The Temporal server on PostgreSQL cannot run here: ${found.missing}`);
  return found;
}
