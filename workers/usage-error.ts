/** Bad input from a user: the message says what to fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
