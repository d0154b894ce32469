/** Plain words for the file system errors an agent meets on real hosts, for messages users act on. */
const ERRNO_WORDS: Partial<Record<string, string>> = {
  ENOSPC: 'the file system is full (no space left on device)',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  ENAMETOOLONG: 'the name is too long for the file system',
  EMFILE: 'the agent has too many open files',
  EIO: 'an I/O error occurred on the device',
  ENOENT: 'a directory on the way does not exist',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'a directory is in the way',
};

/** Whether the error means the disk is out of space or quota: worth saying so first. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** "<what> <path>: <plain reason> (CODE)", falling back to the error's own message. */
export function describeFsError(what: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words = code ? ERRNO_WORDS[code] : undefined;
  return `${what} ${path}: ${words ? `${words} (${code})` : ((err as Error)?.message ?? String(err))}`;
}
