/**
 * The one usage error of every command (serve, seed, warm, invalidator, gate): a bad flag or setting, found before
 * anything ran. Each command prints its message as one line and exits 2 (docs/exit-codes.md).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_USAGE';
}
