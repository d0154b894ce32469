/**
 * Applying appspec `permissions` at Install, with the CodeDeploy agent's rules (appspec-vectors §3.4):
 * a permission reaches only what this Install created, never the object itself nor anything that was
 * already there; `**` matches at any depth, any other pattern only the object's direct children.
 */
import { execFile } from 'node:child_process';
import { chmod, lchown, lstat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { AclEntry, Permission, PermissionMode } from './appspec-permissions.js';
import { aclEntryText, selinuxRangeText } from './appspec-permissions.js';
import { InstallError } from './install-error.js';

const run = promisify(execFile);


export interface PermissionTarget {
  path: string;
  kind: 'file' | 'directory';
  permission: Permission;
  /** Index of the permissions entry, for messages. */
  index: number;
}

export interface CreatedPaths {
  /** Files (and links) this Install copies, in order. */
  files: readonly string[];
  /** Directories this Install creates, in order. */
  directories: readonly string[];
  /** Whether `path` is a directory that existed before this Install. */
  isExistingDirectory: (path: string) => Promise<boolean>;
}

/** Glob with `*` as the only wildcard, over a single path component. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`).test(name);
}

function matches(pattern: string, object: string, path: string): boolean {
  const rel = relative(object, path);
  if (!rel || rel.startsWith('..') || rel.startsWith(sep)) return false;
  if (pattern === '**') return true;
  return !rel.includes(sep) && globMatches(pattern, rel);
}

/**
 * Works out which created paths each permissions entry applies to. Pure apart from asking whether an
 * object is an existing directory, and complete before anything is written: a conflict (one path
 * reached twice, a default ACL on a file, a pattern on a file object) fails the Install up front.
 */
export async function planPermissions(permissions: readonly Permission[], created: CreatedPaths): Promise<PermissionTarget[]> {
  const targets: PermissionTarget[] = [];
  const claimed = new Map<string, number>();
  const fileSet = new Set(created.files);
  const dirSet = new Set(created.directories);
  const claim = (path: string, kind: 'file' | 'directory', permission: Permission, index: number): void => {
    const previous = claimed.get(path);
    if (previous !== undefined) {
      throw new InstallError(`permissions[${previous}] and permissions[${index}] both apply to ${path}; each path may get permissions once.`);
    }
    if (kind === 'file' && permission.acls?.some((ace) => ace.isDefault)) {
      throw new InstallError(`permissions[${index}] gives a default ACL (d:…) to the file ${path}; default ACLs apply to directories only.`);
    }
    claimed.set(path, index);
    targets.push({ path, kind, permission, index });
  };

  for (const [index, permission] of permissions.entries()) {
    const object = permission.object.replace(/\/+$/, '') || '/';
    if (!object.startsWith('/')) {
      throw new InstallError(`permissions[${index}].object ${JSON.stringify(permission.object)} must be an absolute path.`);
    }
    if (fileSet.has(object)) {
      if (!permission.types.includes('file')) continue;
      if (permission.pattern !== '**') {
        throw new InstallError(`permissions[${index}]: ${object} is a file, so 'pattern' must be left out (got ${JSON.stringify(permission.pattern)}).`);
      }
      if (permission.except.length > 0) {
        throw new InstallError(`permissions[${index}]: ${object} is a file, so 'except' must be left out (got ${JSON.stringify(permission.except)}).`);
      }
      claim(object, 'file', permission, index);
      continue;
    }
    if (!dirSet.has(object) && !(await created.isExistingDirectory(object))) continue; // nothing of ours there
    const selected = (path: string): boolean =>
      matches(permission.pattern, object, path) && !permission.except.some((except) => matches(except, object, path));
    if (permission.types.includes('file')) for (const path of created.files) if (selected(path)) claim(path, 'file', permission, index);
    if (permission.types.includes('directory')) for (const path of created.directories) if (selected(path)) claim(path, 'directory', permission, index);
  }
  return targets;
}

function permsFromBits(bits: number): string {
  return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
}

/**
 * The full ACL that `setfacl --set` needs: the given entries, then the base entries from the file's
 * mode where not given, a mask when there are named entries, and the same for defaults when any
 * default entry is present (appspec-vectors I23).
 */
export function fullAcl(acls: readonly AclEntry[], mode: number): string[] {
  const entries = acls.map(aclEntryText);
  const complete = (isDefault: boolean): void => {
    const own = acls.filter((ace) => ace.isDefault === isDefault);
    const has = (type: AclEntry['type']): boolean => own.some((ace) => ace.type === type && ace.name === '');
    const prefix = isDefault ? 'default:' : '';
    if (!has('user')) entries.push(`${prefix}user::${permsFromBits(mode >> 6)}`);
    if (!has('group')) entries.push(`${prefix}group::${permsFromBits(mode >> 3)}`);
    if (!has('other')) entries.push(`${prefix}other::${permsFromBits(mode)}`);
    const named = own.some((ace) => ace.name !== '');
    if (named && !has('mask')) entries.push(`${prefix}mask::${permsFromBits(mode >> 3)}`);
  };
  complete(false);
  if (acls.some((ace) => ace.isDefault)) complete(true);
  return entries;
}

async function commandAvailable(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

async function lookupId(database: 'passwd' | 'group', name: string): Promise<number> {
  try {
    const { stdout } = await run('getent', [database, name]);
    const id = Number(stdout.split(':')[2]);
    if (Number.isInteger(id)) return id;
  } catch {
    /* not found */
  }
  if (/^\d+$/.test(name)) return Number(name);
  throw new InstallError(`${database === 'passwd' ? 'user' : 'group'} ${JSON.stringify(name)} does not exist on this host.`);
}

export interface ResolvedOwnership {
  uid: Map<string, number>;
  gid: Map<string, number>;
}

/**
 * Checks, before anything is written, that this host can apply the planned permissions: owners and
 * groups exist, and setfacl / semanage are installed when ACLs or SELinux contexts are asked for.
 */
export async function preparePermissions(targets: readonly PermissionTarget[]): Promise<ResolvedOwnership> {
  const resolved: ResolvedOwnership = { uid: new Map(), gid: new Map() };
  const needs = { acl: false, selinux: false };
  for (const { permission, index } of targets) {
    try {
      if (permission.owner !== undefined && !resolved.uid.has(permission.owner)) resolved.uid.set(permission.owner, await lookupId('passwd', permission.owner));
      if (permission.group !== undefined && !resolved.gid.has(permission.group)) resolved.gid.set(permission.group, await lookupId('group', permission.group));
    } catch (err) {
      throw new InstallError(`permissions[${index}]: ${(err as Error).message}`);
    }
    needs.acl ||= (permission.acls?.length ?? 0) > 0;
    needs.selinux ||= permission.context !== undefined;
  }
  if (needs.acl && !(await commandAvailable('setfacl'))) {
    throw new InstallError("permissions use 'acls', but setfacl is not installed on this host (install the acl package).");
  }
  if (needs.selinux && !(await commandAvailable('semanage'))) {
    throw new InstallError("permissions use 'context', but semanage is not installed on this host (SELinux tools: policycoreutils-python-utils).");
  }
  return resolved;
}

/**
 * Applies one permission to one path, in the agent's order: chmod, setfacl, semanage (+ restorecon),
 * chown, then chmod again when the mode has setuid/setgid bits (chown clears them). Links are never followed: a link's own owner changes, its target is untouched. Returns the
 * cleanup line for an SELinux rule, which the next Install removes.
 */
export async function applyPermission(target: PermissionTarget, ids: ResolvedOwnership): Promise<string | undefined> {
  const { path, permission } = target;
  const info = await lstat(path);
  const isLink = info.isSymbolicLink();
  const mode: PermissionMode | undefined = permission.mode;
  if (mode && !isLink) await chmod(path, mode.bits);
  if (permission.acls?.length && !isLink) {
    const current = (await lstat(path)).mode & 0o777;
    await runTool('setfacl', ['--set', fullAcl(permission.acls, current).join(','), path], target);
  }
  let cleanupLine: string | undefined;
  if (permission.context) {
    const { user, type, range } = permission.context;
    const args = ['fcontext', '-a', '-t', type, ...(user ? ['-s', user] : []), ...(range ? ['-r', selinuxRangeText(range)] : []), path];
    await runTool('semanage', args, target);
    await runTool('restorecon', ['-v', path], target);
    cleanupLine = `semanage\u0000${path}`;
  }
  if (permission.owner !== undefined || permission.group !== undefined) {
    const uid = permission.owner !== undefined ? (ids.uid.get(permission.owner) ?? -1) : -1;
    const gid = permission.group !== undefined ? (ids.gid.get(permission.group) ?? -1) : -1;
    await lchown(path, uid, gid);
    // Linux clears setuid/setgid on chown, which would silently drop bits the AppSpec asked for.
    if (mode && !isLink && mode.bits & 0o6000) await chmod(path, mode.bits);
  }
  return cleanupLine;
}

async function runTool(command: string, args: string[], target: PermissionTarget): Promise<void> {
  try {
    await run(command, args);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new InstallError(`permissions[${target.index}]: ${command} failed for ${target.path}: ${stderr || (err as Error).message}`);
  }
}
