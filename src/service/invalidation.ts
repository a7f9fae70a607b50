import type { Counter } from 'prom-client';
import type { Cache } from '../cache/types.ts';
import type { WritePath } from './config.ts';
import { addTiming } from './request-context.ts';

/** One invalidation Redis did not confirm after the write had been committed. */
export interface InvalidationFailure {
  path: WritePath;
  keys: readonly string[];
  error: unknown;
  at: number;
}

/**
 * Where unconfirmed invalidations go. The default logs and counts them; a later durable replay (an outbox
 * table, re-run when Redis is back) plugs in here without touching any route.
 */
export interface InvalidationFailureSink {
  record(failure: InvalidationFailure): void | Promise<void>;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Log + count (metric `fastnpc_invalidation_failures_total{path}`): the default sink. */
export function createLoggingFailureSink(
  logger: Logger,
  counter?: Counter<'path'>,
): InvalidationFailureSink & {
  readonly count: number;
} {
  let count = 0;
  return {
    get count() {
      return count;
    },
    record(failure) {
      count += 1;
      counter?.inc({ path: failure.path });
      logger.error(
        {
          path: failure.path,
          keys: failure.keys,
          err: failure.error instanceof Error ? failure.error.message : String(failure.error),
        },
        'cache invalidation not confirmed by Redis; entries may stay stale until their TTL ends',
      );
    },
  };
}

/** What the write path knows about the committed write. */
export interface CommittedWrite {
  /**
   * The write transaction's id as pgoutput's Begin carries it (32 bits, `wireXid` in db.ts). Given, and the
   * invalidation confirmed, the keys are marked for that transaction so the commit-log invalidator does not delete
   * the entries again once they were refilled (docs/invalidation.md).
   */
  xid?: string;
}

/**
 * The write path's synchronous delete: after a write committed, before the response, it deletes the entries the
 * write affects (read-your-writes across workers) and, confirmed, marks them for the commit-log invalidator
 * (`syncinv:<xid>`, docs/invalidation.md). Not the invalidator itself: that is the separate process in
 * src/invalidator/, which deletes the same entries again from PostgreSQL's commit log.
 */
export interface WriteInvalidation {
  /**
   * Invalidates `keys` after the write of `path` was committed, before the response. Never throws: an
   * unconfirmed invalidation goes to the sink and the write still succeeds for the user.
   */
  afterWrite(path: WritePath, keys: readonly string[], write?: CommittedWrite): Promise<void>;
}

export interface WriteInvalidationOptions {
  /** Write paths whose invalidation is skipped (test seam). */
  skip?: ReadonlySet<string>;
  /**
   * Extra attempts before an unconfirmed invalidation goes to the sink (a stalled Redis or a starved process often
   * answers the second time). @default 1
   */
  retries?: number;
  /** Pause before a retry. @default 20 */
  retryDelayMs?: number;
  /**
   * Write the `syncinv:<xid>` marker after a confirmed delete. Only the commit-log invalidator reads it: without one
   * (FASTNPC_INVALIDATOR=off) it is a wasted round trip and a key kept 600 s per write. @default true
   */
  markers?: boolean;
}

export function createWriteInvalidation(
  cache: Cache,
  sink: InvalidationFailureSink,
  options: WriteInvalidationOptions = {},
): WriteInvalidation {
  const skip = options.skip ?? new Set<string>();
  const retries = options.retries ?? 1;
  const retryDelayMs = options.retryDelayMs ?? 20;
  const markers = options.markers ?? true;
  return {
    async afterWrite(path, keys, write) {
      if (keys.length === 0 || skip.has(path)) return;
      let attempt = 0;
      for (;;) {
        const started = performance.now();
        try {
          await cache.invalidate(...keys);
          addTiming('del', performance.now() - started);
        } catch (error) {
          addTiming('del', performance.now() - started);
          if (attempt < retries) {
            attempt += 1;
            await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
            continue;
          }
          try {
            await sink.record({ path, keys, error, at: Date.now() });
          } catch {
            // A sink that fails must not fail the write either.
          }
          return;
        }
        // Confirmed: only now may the marker say the delete happened (it comes back from a snapshot only with it).
        if (markers && write?.xid !== undefined && cache.markInvalidated) {
          const marking = performance.now();
          await cache.markInvalidated(write.xid, keys).catch(() => false);
          addTiming('mark', performance.now() - marking);
        }
        return;
      }
    },
  };
}
