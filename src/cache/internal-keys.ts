/**
 * Logical keys starting with this are reserved: leases, statistics and the consistency marker live under
 * `<namespace>:__cache__:`. `get`/`set`/… refuse such keys and `deletePattern`/`clearAll` never match them.
 */
export const INTERNAL_PREFIX = '__cache__:';

/**
 * The consistency marker (a hash) the invalidator keeps in Redis itself, so it comes back from a snapshot together
 * with the data it describes: `lsn` — the WAL position (commit end, 16 hex digits) every entry is consistent with;
 * `session` — the invalidator session that verified this Redis; `tick_seq` — the last tick the invalidator issued
 * (HINCRBY before it writes the tick into the WAL); `caught_up_seq` — the last tick that came back through the
 * replication stream: every commit made before that tick was issued has been applied to this Redis.
 */
export function consistencyKey(namespace: string): string {
  return `${namespace}:${INTERNAL_PREFIX}consistency`;
}

/** How long a sync-invalidation marker lives: far longer than the invalidator's lag, short enough to stay small. */
export const SYNC_INVALIDATION_TTL_SECONDS = 600;

/**
 * The sync-invalidation marker of one PostgreSQL transaction (a set): the logical keys the service deleted itself,
 * confirmed by Redis, after that transaction committed. `xid` is the 32-bit transaction id pgoutput's Begin carries
 * (`pg_current_xact_id()` modulo 2^32). The invalidator applying that transaction leaves those entries in place —
 * every fill after the service's delete loaded after the commit — and deletes the marker.
 */
export function syncInvalidationKey(namespace: string, xid: string): string {
  return `${namespace}:${INTERNAL_PREFIX}syncinv:${xid}`;
}
