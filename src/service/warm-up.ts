/**
 * Cache warm-up at start (the plan's later option): preloads `user_settings:{uid}` of the users active in the last N
 * days (a message written in that window). Every entry is filled through the service's own read path
 * (CachedReads.settings → cache.getOrLoad): the same key, loader and lease as any request's fill, so a warm-up that
 * races a settings write can never store the old row — the write's invalidation voids the warm-up's lease.
 */
import { createCache } from '../cache/index.ts';
import { cacheOptionsFromEnv } from '../cache/options.ts';
import type { Cache } from '../cache/types.ts';
import { CachedReads } from './cached-reads.ts';
import { createDatabase, type Database, type Queryable } from './db.ts';
import { nowSeconds } from './store/users.ts';

export interface WarmUpOptions {
  cache: Cache;
  db: Database;
  /** Users with a message in the last `days` days are warmed. @default 7 */
  days?: number;
  /** Fills in flight at once (each one PostgreSQL statement). @default 8 */
  concurrency?: number;
  /** "Now" in seconds (tests). @default nowSeconds() */
  now?: number;
}

export interface WarmUpResult {
  /** Active users found. */
  users: number;
  /** Entries loaded from PostgreSQL and offered to the cache (a voided lease leaves one out: a write won). */
  loaded: number;
  /** Entries already in the cache. */
  alreadyCached: number;
  ms: number;
}

export const WARM_UP_DEFAULTS = { days: 7, concurrency: 8 } as const;

/** Ids of the users with a message since `sinceSeconds`, ascending. */
export async function activeUserIds(db: Queryable, sinceSeconds: number): Promise<number[]> {
  const result = await db.query<{ user_id: number }>(
    'SELECT DISTINCT user_id FROM messages WHERE created_at >= $1 AND user_id IS NOT NULL ORDER BY user_id',
    [sinceSeconds],
  );
  return result.rows.map((r) => Number(r.user_id));
}

/** Preloads the settings of the active users; never throws for a Redis failure (a fill then just does not store). */
export async function warmUp(options: WarmUpOptions): Promise<WarmUpResult> {
  const started = Date.now();
  const days = options.days ?? WARM_UP_DEFAULTS.days;
  const concurrency = Math.max(1, options.concurrency ?? WARM_UP_DEFAULTS.concurrency);
  const since = (options.now ?? nowSeconds()) - Math.round(days * 86_400);
  const ids = await activeUserIds(options.db, since);
  let loaded = 0;
  let alreadyCached = 0;
  const reads = new CachedReads({
    cache: options.cache,
    db: options.db,
    enabled: true,
    redisUp: () => true,
    // settings have no TTL; the two below are not used by a settings read
    ttlProfileSeconds: 300,
    ttlListSeconds: 60,
    onOutcome: (_entry, outcome) => {
      if (outcome === 'hit') alreadyCached += 1;
      else loaded += 1;
    },
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await reads.settings(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return { users: ids.length, loaded, alreadyCached, ms: Date.now() - started };
}

/**
 * Whether `ping` answers within a few tries: one PING can overrun the cache's fail-fast command timeout on a busy
 * host right after start, which is no reason to skip the warm-up.
 */
async function answers(ping: () => Promise<boolean>, tries = 6, pauseMs = 500): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await ping()) return true;
    if (i < tries - 1) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return false;
}

/** A warm-up from the environment could not reach Redis or the database (nothing was warmed). */
export class WarmUpUnreachableError extends Error {
  override readonly name = 'WarmUpUnreachableError';
  readonly code = 'E_WARM_UP_UNREACHABLE';
}

/**
 * The warm-up as `npm run warm` and `serve --warm-up-days` run it: the cache and the database the environment names
 * (REDIS_URL / REDIS_TOPOLOGY, REDIS_PASSWORD, CACHE_NAMESPACE, CACHE_FENCE, DATABASE_URL — as the service reads
 * them), both checked first, both closed after.
 */
export async function warmUpFromEnv(
  env: Readonly<NodeJS.ProcessEnv>,
  options: { days: number; concurrency: number },
): Promise<WarmUpResult> {
  if (!env.DATABASE_URL) throw new WarmUpUnreachableError('DATABASE_URL is not set');
  const cache = createCache(cacheOptionsFromEnv(env));
  const db = createDatabase({ connectionString: env.DATABASE_URL, max: options.concurrency });
  try {
    if (!(await answers(() => cache.ping()))) {
      throw new WarmUpUnreachableError('cannot reach Redis at REDIS_URL (or the password was refused)');
    }
    if (!(await answers(() => db.ping())))
      throw new WarmUpUnreachableError('cannot reach the database at DATABASE_URL');
    return await warmUp({ cache, db, ...options });
  } finally {
    await cache.close();
    await db.close();
  }
}
