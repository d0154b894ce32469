import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { copyFile, lchown, lstat, mkdir, readFile, readdir, readlink, realpath, rm, rmdir, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, relative, isAbsolute } from 'node:path';
import type { FileExistsBehavior } from '../workflows/contracts/deployment.js';
import type { AppSpec } from './appspec.js';
import type { PermissionTarget } from './permissions.js';
import { hasControlCharacter } from '../workflows/contracts/values.js';
import { describeFsError } from './fs-errors.js';
import { InstallError } from './install-error.js';
import { applyPermission, planPermissions, preparePermissions } from './permissions.js';

/** Root installs as the CodeDeploy agent does (FileUtils.cp with preserve): files keep the revision's owner. */
const AGENT_IS_ROOT = process.getuid?.() === 0;

/** Gives the installed copy its source's owner and group (set-ID bits are already gone: revisions never carry them). */
async function keepOwner(destination: string, info: { uid: number; gid: number }): Promise<void> {
  await lchown(destination, info.uid, info.gid);
}

export { InstallError };

type Instruction =
  | { kind: 'mkdir'; path: string }
  /** `replaces`: something (OVERWRITE) is at the destination and is removed first. */
  | { kind: 'copy'; source: string; destination: string; symlink: boolean; replaces: boolean };

export interface InstallResult {
  copied: number;
  directoriesCreated: number;
  retained: number;
  permissionsApplied: number;
}

export interface InstallPlan {
  instructions: Instruction[];
  permissions: PermissionTarget[];
  retained: number;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'symlink' | 'missing' | 'other'> {
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return 'symlink';
    if (info.isDirectory()) return 'directory';
    if (info.isFile()) return 'file';
    return 'other';
  } catch {
    return 'missing';
  }
}

/** Follows links: a destination under a linked directory (`/var/run` → `/run`) is under a directory. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Kernel file systems: nothing installed there is a file, and nothing can be cleaned up. */
const VIRTUAL_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

function checkInstallablePath(path: string, where: string): void {
  // A newline would split the path across two lines of the cleanup list, so the next Install would
  // delete what no deployment made.
  if (hasControlCharacter(path)) {
    throw new InstallError(`${where}: the path ${JSON.stringify(path)} has a control character (such as a newline); such paths cannot be installed or cleaned up safely.`);
  }
  const root = VIRTUAL_FILE_SYSTEMS.find((dir) => path === dir || path.startsWith(`${dir}/`));
  if (root) throw new InstallError(`${where}: ${path} is on the kernel's ${root} file system; files can be installed only on ordinary file systems.`);
}

/** Where the path really is; a source must not reach outside the revision through a link on its way. */
async function checkInsideRevision(path: string, archiveRoot: string, where: string): Promise<void> {
  const real = await realpath(path);
  const rel = relative(archiveRoot, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new InstallError(`${where} reaches ${real} through a symbolic link, outside the revision; sources must be inside it.`);
  }
}

/**
 * Removes what the deployment group's previous Install created, newest first, as the CodeDeploy
 * agent does: files and links are deleted, directories only if empty (so files that scripts made
 * survive), missing paths are ignored. A partly written last line (a crash mid-write) is dropped.
 */
export async function cleanupPreviousInstall(cleanupFile: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(cleanupFile, 'utf8');
  } catch {
    return 0;
  }
  const lines = text.split('\n');
  lines.pop(); // either '' after the final newline, or a partial line
  let removed = 0;
  for (const path of lines.reverse()) {
    // Every line Gantry writes is an absolute path (or a semanage rule): anything else is not ours.
    if (!path || !(path.startsWith('/') || path.startsWith('semanage\u0000'))) continue;
    if (path.startsWith('semanage\u0000')) {
      await removeSelinuxRule(path.slice('semanage\u0000'.length));
      continue;
    }
    const kind = await kindOf(path);
    try {
      if (kind === 'file' || kind === 'symlink') {
        await unlink(path);
        removed += 1;
      } else if (kind === 'directory') {
        await rmdir(path);
        removed += 1;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err;
    }
  }
  await rm(cleanupFile, { force: true });
  return removed;
}

/** Drops an SELinux file-context rule a previous Install added; best effort, like the agent. */
async function removeSelinuxRule(path: string): Promise<void> {
  await new Promise<void>((done) => execFile('semanage', ['fcontext', '-d', path], () => done()));
}

/**
 * Plans the `files` section against the filesystem as it is now. Nothing is written: conflicts
 * (DISALLOW, two sources for one destination) are found before the first copy.
 */
export async function planInstall(spec: AppSpec, archiveDir: string, behavior: FileExistsBehavior): Promise<InstallPlan> {
  const instructions: Instruction[] = [];
  const copyTargets = new Map<string, string>();
  const mkdirTargets = new Set<string>();
  let retained = 0;

  const addMkdir = async (path: string): Promise<void> => {
    if (mkdirTargets.has(path)) return;
    const kind = await kindOf(path);
    if (kind === 'directory' || (kind === 'symlink' && (await isDirectory(path)))) return;
    if (copyTargets.has(path)) {
      throw new InstallError(`files: ${copyTargets.get(path)} is installed as the file ${path}, but another entry needs a directory there.`);
    }
    if (kind !== 'missing') throw new InstallError(`files: cannot create the directory ${path}: a file with that name already exists.`);
    mkdirTargets.add(path);
    instructions.push({ kind: 'mkdir', path });
  };
  const addMkdirChain = async (path: string): Promise<void> => {
    const missing: string[] = [];
    for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
      if (mkdirTargets.has(dir)) break;
      const kind = await kindOf(dir);
      if (kind === 'directory' || (kind === 'symlink' && (await isDirectory(dir)))) break;
      missing.unshift(dir);
    }
    for (const dir of missing) await addMkdir(dir);
  };
  const addCopy = async (source: string, destination: string): Promise<void> => {
    checkInstallablePath(destination, `files: ${source}`);
    if (copyTargets.has(destination)) {
      throw new InstallError(`files: two sources, ${copyTargets.get(destination)} and ${source}, are installed to the same destination ${destination}.`);
    }
    if (mkdirTargets.has(destination)) {
      throw new InstallError(`files: ${source} is installed as ${destination}, but another entry creates a directory there.`);
    }
    const existing = await kindOf(destination);
    if (existing === 'directory') {
      throw new InstallError(`files: cannot install ${source} as ${destination}: a directory with that name already exists.`);
    }
    if (existing !== 'missing') {
      if (behavior === 'DISALLOW') {
        throw new InstallError(
          `files: ${destination} already exists and was not installed by this deployment group's previous deployment ` +
            '(file_exists_behavior DISALLOW; use OVERWRITE or RETAIN to allow it).',
        );
      }
      if (behavior === 'RETAIN') {
        retained += 1;
        return;
      }
    }
    copyTargets.set(destination, source);
    instructions.push({ kind: 'copy', source, destination, symlink: (await kindOf(source)) === 'symlink', replaces: existing !== 'missing' });
  };
  const addTree = async (sourceDir: string, destinationDir: string): Promise<void> => {
    const entries = await readdir(sourceDir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const from = join(sourceDir, entry.name);
      const to = join(destinationDir, entry.name);
      if (entry.isDirectory()) {
        checkInstallablePath(to, `files: ${from}`);
        await addMkdir(to);
        await addTree(from, to);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        await addCopy(from, to);
      }
    }
  };

  const archiveRoot = await realpath(archiveDir);
  for (const [index, mapping] of spec.files.entries()) {
    const source = resolve(archiveDir, `.${mapping.source.startsWith('/') ? '' : '/'}${mapping.source}`);
    const rel = relative(archiveDir, source);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new InstallError(`files[${index}].source ${JSON.stringify(mapping.source)} points outside the revision.`);
    }
    if (!mapping.destination.startsWith('/')) {
      // The CodeDeploy agent would resolve it against its own working directory; Gantry refuses to guess.
      throw new InstallError(`files[${index}].destination ${JSON.stringify(mapping.destination)} must be an absolute path.`);
    }
    const kind = await kindOf(source);
    const destination = resolve(mapping.destination);
    checkInstallablePath(destination, `files[${index}].destination`);
    if (kind !== 'missing') await checkInsideRevision(kind === 'directory' ? source : dirname(source), archiveRoot, `files[${index}].source ${JSON.stringify(mapping.source)}`);
    if (kind === 'directory') {
      await addMkdirChain(destination);
      await addTree(source, destination);
    } else if (kind === 'file' || kind === 'symlink') {
      // A file source lands inside the destination, which is a directory.
      await addMkdirChain(destination);
      await addCopy(source, join(destination, basename(source)));
    } else {
      throw new InstallError(`files[${index}].source ${JSON.stringify(mapping.source)} does not exist in the revision.`);
    }
  }
  const permissions = await planPermissions(spec.permissions, {
    files: [...copyTargets.keys()],
    directories: [...mkdirTargets],
    isExistingDirectory: async (path) => (await kindOf(path)) === 'directory',
  });
  return { instructions, permissions, retained };
}

/** Runs one write of the install; a file system error becomes an InstallError naming the path and the cause. */
async function writing<T>(what: string, path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InstallError || !(err as NodeJS.ErrnoException).code) throw err;
    throw new InstallError(`${describeFsError(`could not ${what}`, path, err)}; the install stopped there, and the next deployment cleans up what it made.`, { cause: err });
  }
}

/** Files copied at once: enough to keep the thread pool's four threads busy on small files. */
const COPY_CONCURRENCY = 8;

/** Runs `work` on every item, at most `limit` at a time; the first failure is thrown once all have settled. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async (): Promise<void> => {
    while (next < items.length && failures.length === 0) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failures.length > 0) throw failures[0];
}

/**
 * Installs the revision's files per the AppSpec: cleans up the group's previous install, plans (all
 * conflicts are found before anything is written), then executes, recording every path it creates
 * in the cleanup file before creating it, so an interrupted install is still cleaned up next time.
 */
export async function installFiles(options: {
  spec: AppSpec;
  archiveDir: string;
  cleanupFile: string;
  /** Where the planned instructions are written for operators (the agent's `<group>-install.json`). */
  instructionsFile?: string;
  behavior: FileExistsBehavior;
}): Promise<InstallResult> {
  await cleanupPreviousInstall(options.cleanupFile);
  const { instructions, permissions, retained } = await planInstall(options.spec, options.archiveDir, options.behavior);
  const ids = await preparePermissions(permissions);
  await mkdir(dirname(options.cleanupFile), { recursive: true });
  if (options.instructionsFile) {
    const described = [
      ...instructions,
      ...permissions.map((t) => ({ kind: 'permissions', path: t.path, entry: t.index })),
    ];
    await writeFile(options.instructionsFile, `${JSON.stringify({ instructions: described }, null, 1)}\n`);
  }
  // One descriptor for the whole install; each line is written before its path is created.
  const cleanup = await writing('write the cleanup list', options.cleanupFile, async () => openSync(options.cleanupFile, 'w'));
  const record = (line: string): void => {
    writeSync(cleanup, `${line}\n`);
  };
  let copied = 0;
  let directoriesCreated = 0;
  try {
    // Directories first (planned parents before children), then the files, several at a time.
    for (const step of instructions) {
      if (step.kind !== 'mkdir') continue;
      await writing('create the directory', step.path, async () => {
        record(step.path);
        await mkdir(step.path);
      });
      directoriesCreated += 1;
    }
    const copies = instructions.filter((step) => step.kind === 'copy');
    await forEachConcurrently(copies, COPY_CONCURRENCY, async (step) => {
      await writing('install', step.destination, async () => {
        record(step.destination);
        if (step.replaces) await rm(step.destination, { force: true });
        if (step.symlink) {
          await symlink(await readlink(step.source), step.destination);
          if (AGENT_IS_ROOT) await keepOwner(step.destination, await lstat(step.source));
        } else {
          // EXCL: never writes through a link that appeared at the destination; FICLONE: a reflink where
          // the file system has them (btrfs, XFS), a plain in-kernel copy elsewhere.
          await copyFile(step.source, step.destination, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
          const info = await stat(step.source);
          await utimes(step.destination, info.atime, info.mtime);
          if (AGENT_IS_ROOT) await keepOwner(step.destination, info);
        }
      });
      copied += 1;
    });
    for (const target of permissions) {
      const cleanupLine = await applyPermission(target, ids);
      if (cleanupLine) record(cleanupLine);
    }
  } finally {
    closeSync(cleanup);
  }
  return { copied, directoriesCreated, retained, permissionsApplied: permissions.length };
}
