/**
 * Logical keys starting with this are reserved: leases, statistics and the consistency marker live under
 * `<namespace>:__cache__:`. `get`/`set`/… refuse such keys and `deletePattern`/`clearAll` never match them.
 */
export const INTERNAL_PREFIX = '__cache__:';

/**
 * The consistency marker (a hash) the invalidator keeps in Redis itself, so it comes back from a snapshot together
 * with the data it describes: `lsn` — the WAL position (commit end, 16 hex digits) every entry is consistent with;
 * `session` — the invalidator session that verified this Redis; `caught_up_ms` — Redis time (ms) up to which every
 * commit has been applied (the invalidator's last tick that came back through the replication stream).
 */
export function consistencyKey(namespace: string): string {
  return `${namespace}:${INTERNAL_PREFIX}consistency`;
}
