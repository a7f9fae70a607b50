import type { Counters } from './types.ts';

/** The raw counts kept in memory and in Redis (hash fields of the same names). */
export interface Tally {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  errors: number;
}

export const TALLY_FIELDS = ['hits', 'misses', 'sets', 'deletes', 'errors'] as const;

export function emptyTally(): Tally {
  return { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0 };
}

export function addTally(into: Tally, from: Tally): void {
  for (const field of TALLY_FIELDS) into[field] += from[field];
}

export function isEmptyTally(tally: Tally): boolean {
  return TALLY_FIELDS.every((field) => tally[field] === 0);
}

/** Reads a Redis hash (HGETALL reply) into a Tally; missing or garbled fields count 0. */
export function tallyFromHash(hash: Record<string, string> | null | undefined): Tally {
  const tally = emptyTally();
  if (!hash) return tally;
  for (const field of TALLY_FIELDS) {
    const n = Number(hash[field]);
    tally[field] = Number.isFinite(n) ? n : 0;
  }
  return tally;
}

/** Counters as the API reports them: the tally plus hitRate (0..1) and totalRequests. */
export function toCounters(tally: Tally): Counters {
  const totalRequests = tally.hits + tally.misses;
  return {
    hits: tally.hits,
    misses: tally.misses,
    sets: tally.sets,
    deletes: tally.deletes,
    errors: tally.errors,
    hitRate: totalRequests === 0 ? 0 : tally.hits / totalRequests,
    totalRequests,
  };
}
