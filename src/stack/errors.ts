/** Error codes of the local stack; each message says what to install or change. */
export type StackErrorCode = 'E_BINARY_MISSING' | 'E_START_TIMEOUT' | 'E_START_FAILED' | 'E_BAD_PASSWORD';

/** Thrown when a private redis-server or PostgreSQL cannot be started. */
export class StackError extends Error {
  readonly code: StackErrorCode;
  constructor(code: StackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
  }
}
