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
