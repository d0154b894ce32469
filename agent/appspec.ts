import { parse } from 'yaml';
import type { FileExistsBehavior } from '../workflows/contracts/deployment.js';
import type { Permission } from './appspec-permissions.js';
import { parsePermissions, PermissionSpecError } from './appspec-permissions.js';
import { isRecord, scalarText, show } from '../workflows/contracts/values.js';

/** One `hooks` script entry. */
export interface HookScript {
  location: string;
  /** Seconds; CodeDeploy's default is 3600 and there is no upper cap. */
  timeout: number;
  runas?: string;
  /** The agent's undocumented `sudo: true`: run the script through sudo (pointless when the agent is root). */
  sudo?: boolean;
}

export interface FileMapping {
  source: string;
  destination: string;
}

/** A validated appspec.yml for EC2/on-premises (Linux) deployments. */
export interface AppSpec {
  version: number;
  os: 'linux';
  files: FileMapping[];
  /** Event name → scripts, in file order. Unknown event names are kept and simply never run. */
  hooks: Record<string, HookScript[]>;
  permissions: Permission[];
  fileExistsBehavior?: FileExistsBehavior;
}

export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600;

/**
 * The longest script timeout the agent can enforce: Node's timers reach 2^31-1 ms (about 24.8 days).
 * The CodeDeploy agent sets no maximum; the lifecycle event's own bound (agentTimeouts.eventSeconds)
 * applies anyway.
 */
export const MAX_SCRIPT_TIMEOUT_SECONDS = 2_147_483;

/**
 * The largest AppSpec file the agent reads. Real ones are a few kilobytes; parsing is synchronous
 * (about 1.5 µs a byte here), so this keeps a parse to a fraction of a second and heartbeats flowing.
 */
export const MAX_APPSPEC_BYTES = 256 * 1024;

/** A user name as `useradd` accepts it: never starting with `-`, so it cannot be read as an option. */
const USER_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}\$?$/;

/** A scalar as the agent reads it; a list, a mapping or an unwritable number is refused, naming it. */
function scalar(value: unknown, where: string, fileName: string, expected: string): string {
  const text = scalarText(value);
  if (text === undefined) throw new AppSpecError(`${fileName}: ${where} must be ${expected}; got ${show(value)}`);
  return text;
}
export const APPSPEC_FILE_NAMES = ['appspec.yml', 'appspec.yaml'] as const;

/** A problem with an AppSpec file; the message names the field and the bad value. */
export class AppSpecError extends Error {
  override readonly name = 'AppSpecError';
}



/**
 * Parses and validates appspec.yml text the way the CodeDeploy agent does: YAML 1.1 readings (an
 * unquoted 0644 is octal, `version: 0.0` is a number) and its order of checks (version, os, hooks,
 * files, permissions, file_exists_behavior), first failure wins. Unknown keys are ignored.
 */
export function parseAppSpec(text: string, fileName = 'appspec.yml'): AppSpec {
  let doc: unknown;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_APPSPEC_BYTES) throw new AppSpecError(`${fileName} is ${bytes} bytes; the agent reads AppSpec files of at most ${MAX_APPSPEC_BYTES} bytes.`);
  if (text.startsWith('\uFEFF')) text = text.slice(1); // a byte-order mark is not part of the document
  try {
    // maxAliasCount 0: like the agent's safe loader, aliases (and "billion laughs" documents) are refused.
    doc = parse(text, { version: '1.1', maxAliasCount: 0, uniqueKeys: false });
  } catch (err) {
    throw new AppSpecError(`${fileName} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined || doc === false || (typeof doc === 'string' && doc.trim() === '')) {
    throw new AppSpecError(`${fileName} is empty: it must define at least 'version' (0.0) and 'os' (linux).`);
  }
  if (!isRecord(doc)) throw new AppSpecError(`${fileName} must be a YAML mapping of keys (version, os, files, hooks…); got ${show(doc)}`);

  if (typeof doc.version !== 'number' || doc.version !== 0) {
    throw new AppSpecError(`${fileName}: 'version' must be 0.0 (unquoted); got ${show(doc.version)}`);
  }
  if (doc.os !== 'linux') {
    throw new AppSpecError(`${fileName}: 'os' ${show(doc.os)} is not supported by this agent; it runs 'linux' revisions.`);
  }
  const hooks = parseHooks(doc.hooks, fileName);
  const files = parseFiles(doc.files, fileName);
  let permissions: Permission[];
  try {
    permissions = parsePermissions(doc.permissions);
  } catch (err) {
    if (err instanceof PermissionSpecError) throw new AppSpecError(`${fileName}: ${err.message}`);
    throw err;
  }
  const feb = doc.file_exists_behavior;
  if (feb !== undefined && feb !== null && feb !== 'DISALLOW' && feb !== 'OVERWRITE' && feb !== 'RETAIN') {
    throw new AppSpecError(`${fileName}: 'file_exists_behavior' must be DISALLOW, OVERWRITE or RETAIN; got ${show(feb)}`);
  }
  const spec: AppSpec = { version: 0, os: 'linux', files, hooks, permissions };
  if (typeof feb === 'string') spec.fileExistsBehavior = feb;
  return spec;
}

function parseHooks(raw: unknown, fileName: string): Record<string, HookScript[]> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new AppSpecError(`${fileName}: 'hooks' must be a mapping of lifecycle event to scripts; got ${show(raw)}`);
  const hooks: Record<string, HookScript[]> = {};
  for (const [event, scripts] of Object.entries(raw)) {
    if (scripts === null || scripts === undefined) continue; // an empty hook is dropped, as the agent does
    if (!Array.isArray(scripts)) {
      throw new AppSpecError(`${fileName}: hooks.${event} must be a list of scripts (- location: …); got ${show(scripts)}`);
    }
    hooks[event] = scripts.map((entry, index) => parseScript(entry, `hooks.${event}[${index}]`, fileName));
  }
  return hooks;
}

function parseScript(entry: unknown, where: string, fileName: string): HookScript {
  if (!isRecord(entry)) throw new AppSpecError(`${fileName}: ${where} must be a mapping with 'location'; got ${show(entry)}`);
  const text = (key: string): string | undefined => {
    const value = entry[key];
    return value === undefined || value === null ? undefined : scalar(value, `${where}.${key}`, fileName, 'a string').trim();
  };
  const location = text('location');
  if (!location) throw new AppSpecError(`${fileName}: ${where} has no 'location': say which script to run.`);
  let timeout = DEFAULT_SCRIPT_TIMEOUT_SECONDS;
  const rawTimeout = entry.timeout;
  if (rawTimeout !== undefined && rawTimeout !== null) {
    if (typeof rawTimeout !== 'number' && typeof rawTimeout !== 'string') {
      throw new AppSpecError(`${fileName}: ${where}.timeout must be a number of seconds; got ${show(rawTimeout)}`);
    }
    // The agent reads the timeout with Ruby's to_i: "300" and 300.9 are 300, anything else is 0 (invalid).
    const value = typeof rawTimeout === 'number' ? Math.trunc(rawTimeout) : Number.parseInt(rawTimeout, 10);
    if (!Number.isFinite(value) || value <= 0) {
      throw new AppSpecError(`${fileName}: ${where}.timeout must be a positive number of seconds; got ${show(rawTimeout)}`);
    }
    if (value > MAX_SCRIPT_TIMEOUT_SECONDS) {
      throw new AppSpecError(`${fileName}: ${where}.timeout is ${value} seconds; the agent can enforce at most ${MAX_SCRIPT_TIMEOUT_SECONDS} (about 24 days).`);
    }
    timeout = value;
  }
  const script: HookScript = { location, timeout };
  const runas = text('runas');
  if (runas) {
    if (!USER_NAME_PATTERN.test(runas)) {
      throw new AppSpecError(`${fileName}: ${where}.runas ${show(runas)} is not a user name (at most 32 letters, digits, . _ -, not starting with - or .).`);
    }
    script.runas = runas;
  }
  if (entry.sudo === true) script.sudo = true;
  return script;
}

function parseFiles(raw: unknown, fileName: string): FileMapping[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new AppSpecError(`${fileName}: 'files' must be a list of {source, destination}; got ${show(raw)}`);
  return raw.map((entry, index) => {
    const where = `files[${index}]`;
    if (!isRecord(entry)) throw new AppSpecError(`${fileName}: ${where} must be a mapping with 'source' and 'destination'; got ${show(entry)}`);
    if (entry.source === undefined || entry.source === null) {
      throw new AppSpecError(`${fileName}: ${where} has a destination (${show(entry.destination)}) but no 'source'.`);
    }
    if (entry.destination === undefined || entry.destination === null) {
      throw new AppSpecError(`${fileName}: ${where} has a source (${show(entry.source)}) but no 'destination'.`);
    }
    // Like the agent, a relative destination parses; Install refuses it (the agent would resolve it
    // against its own working directory).
    return { source: scalar(entry.source, `${where}.source`, fileName, 'a path'), destination: scalar(entry.destination, `${where}.destination`, fileName, 'a path') };
  });
}
