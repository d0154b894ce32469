/**
 * Safe extraction of revision archives (tar, tgz, zip). The parsers (node-tar, yauzl) only read the
 * formats; every write is done here, after checking the entry: absolute paths, `..`, links whose
 * target leaves the revision, writes through links, device files and FIFOs are refused with an error
 * naming the entry, and limits bound size, entry count and depth. Nothing is ever written outside
 * the destination directory; on any error the caller removes the partly extracted directory.
 */
import { closeSync, constants, createWriteStream, fchmodSync, fchownSync, lchownSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { crc32, createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import type { ArchiveBundleType } from '../workflows/contracts/revision.js';
import { hasControlCharacter } from '../workflows/contracts/values.js';
import { describeFsError } from './fs-errors.js';

export interface ArchiveLimits {
  /** Total bytes of file content (default 10 GiB). */
  maxBytes: number;
  /** Number of entries (default 200,000). */
  maxEntries: number;
  /** Path components of one entry (default 64). */
  maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 10 * 1024 ** 3, maxEntries: 200_000, maxDepth: 64 };

/** The archive is unreadable or has an entry Gantry refuses; the message names the entry. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'refused';

interface EntryHeader {
  path: string;
  kind: EntryKind;
  /** What the archive calls the type, for messages about refused entries. */
  typeName: string;
  mode?: number;
  size: number;
  linkpath?: string;
  mtime?: Date;
  /** tar: the owner and group the archive records (numeric), kept when the agent runs as root. */
  owner?: { uid: number; gid: number };
}

/** Tracks what has been written, and admits or refuses each entry before anything is written for it. */
class Extraction {
  private entries = 0;
  private bytes = 0;
  /** Links written so far: their path in the revision → their target. */
  private readonly links = new Map<string, string>();
  private readonly files = new Set<string>();
  /** Directories known to exist, so each entry costs no extra mkdir. */
  private readonly directories = new Set<string>();

  /** As `tar -xp` does for the CodeDeploy agent run as root: entries keep the archive's owner and group. */
  private readonly keepOwners = process.getuid?.() === 0;

  constructor(
    readonly root: string,
    readonly limits: ArchiveLimits,
    readonly label: string,
  ) {}

  /** The owner to give an entry, or undefined to leave it the agent's. */
  private ownerOf(entry: EntryHeader): { uid: number; gid: number } | undefined {
    return this.keepOwners && entry.owner && Number.isInteger(entry.owner.uid) && Number.isInteger(entry.owner.gid) ? entry.owner : undefined;
  }

  private refuse(path: string, why: string): ArchiveError {
    return new ArchiveError(`${this.label}: entry ${JSON.stringify(path)} ${why}; nothing was installed from it.`);
  }

  /** The entry's path inside the revision ('' for the root itself), or an error saying why not. */
  private normalize(raw: string): string {
    if (raw.includes('\u0000')) throw this.refuse(raw, 'has a NUL byte in its name');
    // A newline would split the path in the agent's line-per-path cleanup list; no control character
    // has a place in a file name that operators and scripts must handle.
    if (hasControlCharacter(raw)) throw this.refuse(raw, 'has a control character (such as a newline) in its name');
    if (raw.startsWith('/')) throw this.refuse(raw, 'has an absolute path');
    const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw this.refuse(raw, 'has a ".." path component that leaves the revision');
    if (parts.length > this.limits.maxDepth) throw this.refuse(raw, `is nested ${parts.length} levels deep (the limit is ${this.limits.maxDepth})`);
    if (raw.length > 4096) throw this.refuse(raw.slice(0, 80), 'has a path longer than 4096 characters');
    for (let i = 1; i < parts.length; i += 1) {
      const prefix = parts.slice(0, i).join('/');
      if (this.links.has(prefix)) throw this.refuse(raw, `is inside the symbolic link ${JSON.stringify(prefix)}`);
    }
    return parts.join('/');
  }

  private count(entry: EntryHeader): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) throw this.refuse(entry.path, `is past the limit of ${this.limits.maxEntries} entries`);
    this.bytes += entry.size;
    if (this.bytes > this.limits.maxBytes) {
      throw this.refuse(entry.path, `takes the revision past its size limit of ${this.limits.maxBytes} bytes`);
    }
  }

  private makeParents(rel: string): void {
    const parent = dirname(join(this.root, rel));
    if (this.directories.has(parent)) return;
    try {
      mkdirSync(parent, { recursive: true });
    } catch (err) {
      throw this.refuse(rel, `cannot be created: ${(err as Error).message}`);
    }
    this.directories.add(parent);
  }

  /** Checks the entry and creates it, except for file content, which the caller streams to the returned path. */
  admit(entry: EntryHeader): { kind: 'file'; path: string; mode: number; owner?: { uid: number; gid: number } } | { kind: 'done' } {
    if (entry.kind === 'refused') {
      throw this.refuse(entry.path, `is a ${entry.typeName}; a revision may hold only files, directories and links`);
    }
    this.count(entry);
    const rel = this.normalize(entry.path);
    if (rel === '') {
      if (entry.kind === 'directory') return { kind: 'done' };
      throw this.refuse(entry.path, 'has an empty name');
    }
    const target = join(this.root, rel);
    this.makeParents(rel);
    switch (entry.kind) {
      case 'directory': {
        try {
          mkdirSync(target, { recursive: true });
          chmodSync(target, ((entry.mode ?? 0o755) & 0o777) | 0o700);
          const owner = this.ownerOf(entry);
          if (owner) lchownSync(target, owner.uid, owner.gid);
          this.directories.add(target);
        } catch (err) {
          throw this.refuse(entry.path, `cannot be created as a directory: ${(err as Error).message}`);
        }
        return { kind: 'done' };
      }
      case 'symlink': {
        const linkpath = entry.linkpath ?? '';
        this.checkLinkTarget(entry.path, rel, linkpath);
        try {
          symlinkSync(linkpath, target);
          const owner = this.ownerOf(entry);
          if (owner) lchownSync(target, owner.uid, owner.gid);
        } catch (err) {
          throw this.refuse(entry.path, `cannot be created as a link: ${(err as Error).message}`);
        }
        this.links.set(rel, linkpath);
        return { kind: 'done' };
      }
      case 'hardlink': {
        const source = this.normalize(entry.linkpath ?? '');
        if (!this.files.has(source)) throw this.refuse(entry.path, `is a hard link to ${JSON.stringify(entry.linkpath)}, which is not a file earlier in the archive`);
        try {
          linkSync(join(this.root, source), target);
        } catch (err) {
          throw this.refuse(entry.path, `cannot be created as a hard link: ${(err as Error).message}`);
        }
        this.files.add(rel);
        return { kind: 'done' };
      }
      case 'file': {
        this.files.add(rel);
        const owner = this.ownerOf(entry);
        return { kind: 'file', path: target, mode: (entry.mode ?? 0o644) & 0o777, ...(owner ? { owner } : {}) };
      }
    }
  }

  /**
   * A link may point up only through its own (real) parent directories, then down: `(../)*rest` with
   * no `..` in `rest` and no absolute target. With writes through links refused, no chain of links
   * can then reach outside the revision.
   */
  private checkLinkTarget(raw: string, rel: string, linkpath: string, when = ''): void {
    if (linkpath === '') throw this.refuse(raw, 'is a link with an empty target');
    if (hasControlCharacter(linkpath)) throw this.refuse(raw, 'is a link whose target has a control character');
    if (linkpath.startsWith('/')) throw this.refuse(raw, `is a link to the absolute path ${JSON.stringify(linkpath)}, outside the revision`);
    const parts = linkpath.split('/').filter((p) => p !== '' && p !== '.');
    let up = 0;
    while (parts[up] === '..') up += 1;
    const depth = rel.split('/').length - 1;
    if (up > depth || parts.slice(up).includes('..')) {
      throw this.refuse(raw, `is a link to ${JSON.stringify(linkpath)}, outside the revision${when}`);
    }
  }

  /**
   * Checks the links again at the depth they have in the tree as installed: stripping a single top
   * directory moves every entry one level up, so `top/esc -> ..` would then point outside.
   */
  recheckLinks(strippedTop: string): void {
    for (const [rel, linkpath] of this.links) {
      if (rel.startsWith(`${strippedTop}/`)) this.checkLinkTarget(rel, rel.slice(strippedTop.length + 1), linkpath, ' once the single top-level directory is removed');
    }
  }

  /** Opens a file for writing without ever following a link at its place. */
  openFile(path: string, mode: number, rawName: string, owner?: { uid: number; gid: number }): NodeJS.WritableStream {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode);
    } catch (err) {
      const error = this.refuse(rawName, `cannot be written: ${(err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a link is already at that path' : describeFsError('opening', path, err)}`);
      error.cause = err;
      throw error;
    }
    try {
      if (owner) fchownSync(fd, owner.uid, owner.gid); // before the mode: chown clears set-ID bits
      fchmodSync(fd, mode); // the exact mode, whatever the umask
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return createWriteStream(path, { fd });
  }
}

function tarKind(type: ReadEntry['type']): EntryKind {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'refused';
  }
}

const TAR_TYPE_NAMES: Partial<Record<string, string>> = {
  CharacterDevice: 'character device',
  BlockDevice: 'block device',
  FIFO: 'FIFO (named pipe)',
  SparseFile: 'GNU sparse file',
  ContinuationFile: 'GNU multi-volume continuation',
  TapeVolumeHeader: 'GNU volume header',
  GNUDumpDir: 'GNU dump directory',
  SolarisACL: 'Solaris ACL',
  Inode: 'Solaris inode-only entry',
  // Metadata entries are ignored by node-tar only when they are too large to read (over 1 MiB).
  ExtendedHeader: 'pax extended header too large to read',
  GlobalExtendedHeader: 'pax global header too large to read',
  NextFileHasLongPath: 'GNU long name too large to read',
  NextFileHasLongLinkpath: 'GNU long link name too large to read',
};

function describeTarType(type: string): string {
  return TAR_TYPE_NAMES[type] ?? `tar entry of unknown type ${JSON.stringify(type)}`;
}

/** Read size for archives: large reads keep per-chunk costs small against 100 MB revisions. */
export const ARCHIVE_READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Extracts a tar stream. A tgz is inflated by Node's zlib on the thread pool, so decompression runs
 * beside the parsing and writing on the main thread (a tar given as `tar` may still be gzipped: the
 * parser detects that itself).
 */
async function extractTar(input: Readable, gzipped: boolean, extraction: Extraction): Promise<void> {
  const writes: Promise<void>[] = [];
  let failure: unknown;
  await new Promise<void>((resolve, reject) => {
    const gunzip = gzipped ? createGunzip({ chunkSize: 256 * 1024 }) : undefined;
    // strict: a corrupt header, bad checksum or truncated archive is an error, not a warning.
    const parser = new Parser({ strict: true });
    const fail = (err: unknown): void => {
      if (failure !== undefined) return;
      failure = err instanceof ArchiveError ? err : new ArchiveError(`${extraction.label} is not a readable ${gzipped ? 'tgz' : 'tar'} archive: ${(err as Error).message}`);
      input.destroy();
      gunzip?.destroy();
      reject(failure);
    };
    parser.on('entry', (entry: ReadEntry) => {
      if (failure !== undefined) {
        entry.resume();
        return;
      }
      try {
        const admitted = extraction.admit({
          path: entry.path,
          kind: tarKind(entry.type),
          typeName: describeTarType(entry.type),
          mode: entry.mode,
          size: entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' ? entry.size : 0,
          linkpath: entry.linkpath,
          ...(entry.uid !== undefined && entry.gid !== undefined ? { owner: { uid: entry.uid, gid: entry.gid } } : {}),
        });
        if (admitted.kind === 'file') {
          const output = extraction.openFile(admitted.path, admitted.mode, entry.path, admitted.owner);
          writes.push(
            pipeline(entry as unknown as Readable, output).catch((err: unknown) =>
              fail(new ArchiveError(`${extraction.label}: ${describeFsError('writing entry', JSON.stringify(entry.path), err)}`, { cause: err })),
            ),
          );
        } else {
          entry.resume();
        }
      } catch (err) {
        entry.resume();
        fail(err);
      }
    });
    // Entry types node-tar does not hand out (GNU sparse files, multi-volume parts, volume headers,
    // unknown type flags, oversized metadata) would otherwise vanish without a word.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      fail(new ArchiveError(`${extraction.label}: entry ${JSON.stringify(entry.path)} is a ${describeTarType(entry.type)}, which Gantry cannot install faithfully; nothing was installed from the archive.`));
    });
    // An archive ends with zero blocks; one that stops at an entry boundary without them was cut short.
    let sawEnd = false;
    parser.on('nullBlock', () => {
      sawEnd = true;
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (failure !== undefined) return;
      if (!sawEnd) {
        fail(new ArchiveError(`${extraction.label} is incomplete: it ends without the end-of-archive marker (the download or file was cut short); nothing was installed from it.`));
        return;
      }
      resolve();
    });
    input.on('error', fail);
    if (gunzip) {
      gunzip.on('error', fail);
      input.pipe(gunzip).pipe(parser as unknown as NodeJS.WritableStream);
    } else {
      input.pipe(parser as unknown as NodeJS.WritableStream);
    }
  });
  // A file may fail to write after the archive was fully read (a full disk): that fails the extraction too.
  await Promise.all(writes);
  if (failure !== undefined) throw failure;
}

const S_IFMT = 0o170000;
const ZIP_TYPES: Record<number, { kind: EntryKind; name: string }> = {
  0o040000: { kind: 'directory', name: 'directory' },
  0o100000: { kind: 'file', name: 'file' },
  0o120000: { kind: 'symlink', name: 'symbolic link' },
  0o020000: { kind: 'refused', name: 'character device' },
  0o060000: { kind: 'refused', name: 'block device' },
  0o010000: { kind: 'refused', name: 'FIFO (named pipe)' },
  0o140000: { kind: 'refused', name: 'socket' },
};

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // Sizes and CRCs are checked by ZipEntryCheck, after the entry's encryption flag: yauzl's own size
    // check runs first and would call an encrypted entry a size mismatch.
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: false }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

/**
 * Verifies one zip entry's content as it is read: never more bytes than the entry declares (a zip
 * bomb stops at its declared size), exactly that many at the end, and the CRC-32 the archive records.
 */
class ZipEntryCheck extends Transform {
  private bytes = 0;
  private crc = 0;

  constructor(
    private readonly entry: yauzl.Entry,
    private readonly refuse: (why: string) => ArchiveError,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.entry.uncompressedSize) {
      done(this.refuse(`inflates to more than the ${this.entry.uncompressedSize} bytes it declares (a corrupt archive or a zip bomb)`));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: (err?: Error | null) => void): void {
    if (this.bytes !== this.entry.uncompressedSize) {
      done(this.refuse(`holds ${this.bytes} bytes but declares ${this.entry.uncompressedSize} (the archive is truncated or corrupt)`));
    } else if (this.crc >>> 0 !== this.entry.crc32 >>> 0) {
      done(this.refuse('fails its CRC-32 check (the archive is corrupt)'));
    } else {
      done();
    }
  }
}

function zipStream(zip: yauzl.ZipFile, entry: yauzl.Entry, refuse: (why: string) => ArchiveError): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      const check = new ZipEntryCheck(entry, refuse);
      stream.on('error', (readError) => check.destroy(readError));
      resolve(stream.pipe(check));
    }),
  );
}

async function extractZip(file: string, extraction: Extraction): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (err) {
    throw new ArchiveError(`${extraction.label} is not a readable zip archive: ${(err as Error).message}`);
  }
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      zip.close();
      reject(err instanceof ArchiveError ? err : new ArchiveError(`${extraction.label}: ${(err as Error).message}`));
    };
    const handle = async (entry: yauzl.Entry): Promise<void> => {
      const refuse = (why: string): ArchiveError => new ArchiveError(`${extraction.label}: entry ${JSON.stringify(entry.fileName)} ${why}; nothing was installed from the archive.`);
      if (entry.isEncrypted()) throw refuse('is encrypted (password-protected); Gantry cannot read encrypted zip entries');
      if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
        throw refuse(`is stored uncompressed but declares ${entry.uncompressedSize} bytes in ${entry.compressedSize} (the archive is corrupt)`);
      }
      const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = ZIP_TYPES[unixMode & S_IFMT] ?? (entry.fileName.endsWith('/') ? ZIP_TYPES[0o040000] : ZIP_TYPES[0o100000]);
      const kind = entry.fileName.endsWith('/') ? 'directory' : (type?.kind ?? 'file');
      let linkpath: string | undefined;
      if (kind === 'symlink') {
        if (entry.uncompressedSize > 4096) throw new ArchiveError(`${extraction.label}: entry ${JSON.stringify(entry.fileName)} is a link with a target longer than 4096 bytes`);
        const chunks: Buffer[] = [];
        for await (const chunk of await zipStream(zip, entry, refuse)) chunks.push(chunk as Buffer);
        linkpath = Buffer.concat(chunks).toString('utf8');
      }
      const admitted = extraction.admit({
        path: entry.fileName,
        kind,
        typeName: type?.name ?? 'file',
        mode: unixMode & 0o7777 || undefined,
        size: kind === 'file' ? entry.uncompressedSize : 0,
        linkpath,
      });
      if (admitted.kind === 'file') await pipeline(await zipStream(zip, entry, refuse), extraction.openFile(admitted.path, admitted.mode, entry.fileName));
    };
    zip.on('entry', (entry: yauzl.Entry) => {
      handle(entry).then(
        () => zip.readEntry(),
        (err: unknown) => fail(err),
      );
    });
    zip.on('end', () => {
      if (!failed) resolve();
    });
    zip.on('error', fail);
    zip.readEntry();
  });
}

/**
 * CodeDeploy's single-top-directory rule: when the archive holds exactly one directory and that
 * directory holds the AppSpec, the directory's contents become the revision's root.
 */
function singleTopDirectory(root: string): string | undefined {
  const top = readdirSync(root, { withFileTypes: true });
  const only = top[0];
  if (top.length !== 1 || !only?.isDirectory()) return undefined;
  return readdirSync(join(root, only.name)).some((name) => /appspec/i.test(name)) ? only.name : undefined;
}

function stripSingleTopDirectory(root: string, name: string): void {
  const inner = join(root, name);
  const holding = `${root}.strip`;
  rmSync(holding, { recursive: true, force: true });
  renameSync(inner, holding);
  rmSync(root, { recursive: true, force: true });
  renameSync(holding, root);
}

/**
 * Extracts `file` into the empty directory `root`. On error, `root` is removed, so a failed
 * extraction leaves nothing behind.
 */
export async function extractArchive(options: {
  /** The archive file; or, for tar and tgz only, a stream of it (a download, read as it arrives). */
  file: string | Readable;
  bundleType: ArchiveBundleType;
  root: string;
  limits?: Partial<ArchiveLimits>;
  /** How the archive is named in errors (default: its path). */
  label?: string;
}): Promise<void> {
  const { file, bundleType } = options;
  const label = options.label ?? (typeof file === 'string' ? file : 'the revision archive');
  const extraction = new Extraction(options.root, { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits }, label);
  mkdirSync(options.root, { recursive: true });
  try {
    if (bundleType === 'zip') {
      if (typeof file !== 'string') throw new ArchiveError(`${label}: a zip archive is read from a file, not a stream`);
      await extractZip(file, extraction);
    } else {
      await extractTar(typeof file === 'string' ? createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK_BYTES }) : file, bundleType === 'tgz', extraction);
    }
    const top = singleTopDirectory(options.root);
    if (top !== undefined) {
      // Links are judged where they will be: checked again before the top directory goes.
      extraction.recheckLinks(top);
      stripSingleTopDirectory(options.root, top);
    }
  } catch (err) {
    rmSync(options.root, { recursive: true, force: true });
    throw err;
  }
}
