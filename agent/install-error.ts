/** A problem that stops an Install (files or permissions); the message names the path or entry. */
export class InstallError extends Error {
  override readonly name = 'InstallError';
}
