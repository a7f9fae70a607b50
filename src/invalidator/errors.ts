/** Stable codes of the invalidator's errors (logged with the session's end, matched by callers and tests). */
export type InvalidatorErrorCode =
  | 'INVALIDATOR_SESSION_LOST'
  | 'INVALIDATOR_SLOT_BUSY'
  | 'INVALIDATOR_NO_REDIS'
  | 'INVALIDATOR_BAD_SWITCH'
  | 'SLOT_WAL_UNLIMITED';

/** Base class of every error the invalidator raises on purpose; `code` is stable, the message is for people. */
export class InvalidatorError extends Error {
  readonly code: InvalidatorErrorCode;
  constructor(code: InvalidatorErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A session ended by its environment (a Redis or PostgreSQL fault, the connection changed, the marker flushed,
 * PostgreSQL shutting down, stop()): the next session starts after `retryMs`; never a crash.
 */
export class SessionLost extends InvalidatorError {
  constructor(message: string) {
    super('INVALIDATOR_SESSION_LOST', message);
  }
}

/** Another invalidator streams this namespace's slot: this one stands by. */
export class SlotBusy extends InvalidatorError {
  constructor(message: string) {
    super('INVALIDATOR_SLOT_BUSY', message);
  }
}
