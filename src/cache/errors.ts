/** Stable codes of the cache's errors; match on `code`, not on the message. */
export type CacheErrorCode = 'E_INVALIDATION_UNCONFIRMED' | 'E_INVALID_OPTION';

/** Base class of every error the cache module throws or rejects with. */
export class CacheError extends Error {
  readonly code: CacheErrorCode;
  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheError';
    this.code = code;
  }
}

/**
 * Thrown (rejected) by `invalidate()` when Redis did not confirm that the entries and their leases were deleted:
 * Redis down, paused, unreachable, the circuit breaker open, or the cache closed. The caller's write already
 * happened in the database; the cached entries may still be served until their TTL ends. Retry the
 * invalidation, or fail the request so that the client retries the write.
 */
export class CacheInvalidationError extends CacheError {
  /** The logical keys (without namespace) whose invalidation is unconfirmed. */
  readonly keys: readonly string[];
  constructor(keys: readonly string[], reason: string, options?: { cause?: unknown }) {
    super(
      'E_INVALIDATION_UNCONFIRMED',
      `Redis did not confirm the invalidation of ${keys.length} key(s) (${keys.slice(0, 3).join(', ')}${
        keys.length > 3 ? ', …' : ''
      }): ${reason}. The entries may stay stale until their TTL ends; retry invalidate() once Redis answers ` +
        '(check REDIS_URL and that the server is up), or raise commandTimeoutMs if Redis is merely slow.',
      options,
    );
    this.name = 'CacheInvalidationError';
    this.keys = keys;
  }
}

/** Thrown by `createCache()` when an option is out of range; the message names the option. */
export class CacheOptionError extends CacheError {
  /** The option that is wrong, e.g. 'commandTimeoutMs'. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('E_INVALID_OPTION', `CacheOptions.${option}: ${message}`);
    this.name = 'CacheOptionError';
    this.option = option;
  }
}
