/**
 * Emulated FastNPC defects (`FASTNPC_EMULATE_DEFECTS=<comma list>`): the reference service behaves, one defect at a
 * time, as the real Python app was seen to behave (shared/reference/fastnpc.md), so the gate can be proven to catch
 * each of them (`npm run gate:matrix`). A test seam: refused in production. Everything here wraps the service's
 * parts (cache, invalidator, key scheme) from the outside; the cache module itself is not changed.
 */

import { keys as encodedKeys } from '../cache/index.ts';
import type { Cache } from '../cache/types.ts';
import type { RedisClient } from '../redis/connect.ts';
import { ConfigError } from './config.ts';
import { type Queryable, withQuery } from './db.ts';
import type { CommittedWrite, WriteInvalidation } from './invalidation.ts';

export const DEFECTS = [
  /** every /admin/cache/* route answers 403, for the admin too (defect 4) */
  'admin-403',
  /** /admin/cache/stats reports the answering worker's own counters as the system's (defect 1) */
  'per-worker-stats',
  /** pattern deletes of /admin/cache/clear use KEYS + DEL (defect 2) */
  'keys-pattern-delete',
  /** PUT …/structured leaves char_profile cached (defect 3) */
  'structured-no-invalidate',
  /** plain cache-aside: GET → load → SET, DEL on write, no leases (defect 7) */
  'no-leases',
  /** Redis commands wait up to 5 s (defect 6) */
  'socket-timeout-5s',
  /** raw names concatenated into keys; a character's entries invalidated by pattern (defect 5) */
  'names-in-keys',
  /** every list cache miss leaks one of the worker's 50 pool connections; then lists take 5 s and answer [] */
  'list-miss-leak',
  /** task status lives in the worker that created the task; the other answers {"status":"not_found"} */
  'per-worker-tasks',
  /** character profiles are never cached (every chat loads the profile) */
  'no-profile-cache',
  /** a settings read served from the cache takes 10 ms longer (a slow cache path: criterion 03 must fail) */
  'slow-cached-read',
  /** the character-list key carries no user id: every user shares one list entry (R11 must fail) */
  'shared-list-key',
  /**
   * a settings write deletes the entry before its commit (10 ms of work in between) and not after it; no commit-log
   * invalidator runs (as FastNPC): a reader in between refills the old row, for good (R12 must fail)
   */
  'delete-before-commit',
  /** a settings write never invalidates the entry, and no commit-log invalidator runs (as FastNPC): R13 must fail */
  'settings-no-invalidate',
] as const;
export type Defect = (typeof DEFECTS)[number];

/** Reads FASTNPC_EMULATE_DEFECTS; throws ConfigError naming an unknown defect, or in production. */
export function parseDefects(raw: string | undefined, production = false): ReadonlySet<Defect> {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length > 0 && production) {
    throw new ConfigError('FASTNPC_EMULATE_DEFECTS is a test seam; refused in production');
  }
  for (const name of names) {
    if (!(DEFECTS as readonly string[]).includes(name)) {
      throw new ConfigError(`FASTNPC_EMULATE_DEFECTS: unknown defect ${name} (one of ${DEFECTS.join(', ')})`);
    }
  }
  return new Set(names as Defect[]);
}

/** The key builders the service uses: ours (encoded names) or FastNPC's raw concatenation (names-in-keys). */
export type KeyScheme = typeof encodedKeys;

export function keySchemeFor(defects: ReadonlySet<Defect>): KeyScheme {
  if (defects.has('shared-list-key')) {
    const base = defects.has('names-in-keys') ? keySchemeFor(new Set<Defect>(['names-in-keys'])) : encodedKeys;
    return { ...base, characterList: () => SHARED_LIST_KEY };
  }
  if (!defects.has('names-in-keys')) return encodedKeys;
  return {
    userSettings: (uid) => `user_settings:${uid}`,
    characterId: (uid, name) => `char_id:${uid}:${name}`,
    characterProfile: (uid, role) => `char_profile:${uid}:${role}`,
    characterList: (uid) => `char_list:${uid}`,
  };
}

/** shared-list-key: the one list key every user reads and fills (no user id in it). */
export const SHARED_LIST_KEY = 'char_list:all';

/**
 * The defects that emulate an app without the commit-log invalidator (FastNPC has none): the primary runs none
 * (FASTNPC_INVALIDATOR=off), so what the write path fails to invalidate stays in Redis, as it would in FastNPC.
 */
export function withoutCommitLogInvalidator(defects: ReadonlySet<Defect>): boolean {
  return defects.has('delete-before-commit') || defects.has('settings-no-invalidate');
}

/** delete-before-commit: the app's work between its early delete and its commit. */
export const DELETE_TO_COMMIT_MS = 10;

/**
 * The database as the service sees it, with delete-before-commit applied: the settings upsert (one autocommitted
 * statement) is preceded by the delete of the user's settings entry and DELETE_TO_COMMIT_MS of work, so a read in
 * between misses and refills the entry from the row before the commit.
 */
export function withDatabaseDefects<D extends Queryable>(
  db: D,
  defects: ReadonlySet<Defect>,
  cache: Cache,
  keys: KeyScheme,
): D {
  if (!defects.has('delete-before-commit')) return db;
  const query = db.query.bind(db) as Queryable['query'];
  const early: Queryable['query'] = async (text, params) => {
    if (/^\s*INSERT INTO user_settings\b/.test(text) && params && params[0] !== undefined) {
      await cache.delete(keys.userSettings(params[0] as number)).catch(() => false);
      await new Promise((resolve) => setTimeout(resolve, DELETE_TO_COMMIT_MS));
    }
    return query(text, params);
  };
  return withQuery(db, early);
}

/** Redis command timeout of the cache: FastNPC's 5 s socket timeout under socket-timeout-5s. */
export function commandTimeoutFor(defects: ReadonlySet<Defect>, configured: number | undefined): number | undefined {
  return defects.has('socket-timeout-5s') ? 5_000 : configured;
}

/**
 * The cache as the service sees it, with the cache-level defects applied: no-leases (plain GET → load → SET, DEL on
 * invalidate), keys-pattern-delete (KEYS + DEL through `raw`, a plain connection to the same Redis),
 * slow-cached-read, and per-worker-stats (`stats()` reports worker `workerIndex`'s own counters as the system's).
 */
export function withCacheDefects(
  cache: Cache,
  defects: ReadonlySet<Defect>,
  raw: RedisClient | undefined,
  { namespace = 'fastnpc', workerIndex = 0 }: { namespace?: string; workerIndex?: number } = {},
): Cache {
  const wrappedDefects: readonly Defect[] = [
    'no-leases',
    'keys-pattern-delete',
    'slow-cached-read',
    'per-worker-stats',
  ];
  if (!wrappedDefects.some((d) => defects.has(d))) return cache;
  const wrapped: Cache = {
    get: (key) => cache.get(key),
    set: (key, value, ttl) => cache.set(key, value, ttl),
    delete: (key) => cache.delete(key),
    exists: (key) => cache.exists(key),
    deletePattern: (pattern) => cache.deletePattern(pattern),
    clearAll: () => cache.clearAll(),
    getOrLoad: (key, loader, options) => cache.getOrLoad(key, loader, options),
    invalidate: (...keys) => cache.invalidate(...keys),
    ...(cache.markInvalidated ? { markInvalidated: cache.markInvalidated.bind(cache) } : {}),
    stats: () => cache.stats(),
    ping: () => cache.ping(),
    close: () => cache.close(),
  };
  if (defects.has('no-leases')) {
    wrapped.getOrLoad = async (key, loader, options) => {
      const cached = await cache.get<Awaited<ReturnType<typeof loader>>>(key);
      if (cached !== undefined) return cached;
      const value = await loader();
      await cache.set(key, value, options?.ttlSeconds);
      return value;
    };
    wrapped.invalidate = async (...keys) => {
      for (const key of keys) await cache.delete(key);
    };
    // fills are not lease-guarded: a load from before the commit may store after the delete, so the commit-log
    // invalidator must keep deleting these entries (no sync-invalidation marker)
    delete wrapped.markInvalidated;
  }
  if (defects.has('slow-cached-read')) {
    const settingsPrefix = encodedKeys.userSettings(0).replace(/0$/, '');
    const load = wrapped.getOrLoad;
    wrapped.getOrLoad = async (key, loader, options) => {
      let loaded = false;
      const value = await load(
        key,
        () => {
          loaded = true;
          return loader();
        },
        options,
      );
      if (!loaded && key.startsWith(settingsPrefix)) await new Promise((r) => setTimeout(r, SLOW_CACHED_READ_MS));
      return value;
    };
  }
  if (defects.has('per-worker-stats')) {
    // FastNPC defect 1: the answering worker's own counters, reported as if they were the system's
    wrapped.stats = async () => {
      const stats = await cache.stats();
      return { ...stats, system: stats.process, workers: { [`worker-${workerIndex}`]: stats.process } };
    };
  }
  if (defects.has('keys-pattern-delete') && raw) {
    // Like FastNPC's delete_pattern: KEYS + DEL, any error swallowed (0 deleted). Under our ACL user the KEYS is
    // refused (NOPERM), which Redis still counts as a rejected call in INFO commandstats.
    wrapped.deletePattern = async (pattern) => {
      try {
        const found = await raw.keys(`${namespace}:${pattern}`);
        if (found.length > 0) await raw.del(...found);
        return found.length;
      } catch {
        return 0;
      }
    };
  }
  return wrapped;
}

/**
 * names-in-keys: like FastNPC, a character's entries are removed by a pattern delete built from its raw name, so a
 * character named `*` clears every profile of its user.
 */
export function withWriteInvalidationDefects(
  invalidator: WriteInvalidation,
  defects: ReadonlySet<Defect>,
  cache: Cache,
): WriteInvalidation {
  const settingsSkipped = defects.has('delete-before-commit') || defects.has('settings-no-invalidate');
  const inner = settingsSkipped
    ? {
        // delete-before-commit deleted the entry before the commit already; settings-no-invalidate never does
        afterWrite: (
          path: Parameters<WriteInvalidation['afterWrite']>[0],
          keys: readonly string[],
          write?: CommittedWrite,
        ) => (path === 'settings_update' ? Promise.resolve() : invalidator.afterWrite(path, keys, write)),
      }
    : invalidator;
  if (!defects.has('names-in-keys')) return inner;
  return {
    async afterWrite(path, keys, write) {
      const byPattern = keys.filter((k) => k.startsWith('char_profile:') || k.startsWith('char_id:'));
      // only the keys deleted one by one are marked; the pattern-deleted ones stay the invalidator's to delete
      await inner.afterWrite(
        path,
        keys.filter((k) => !byPattern.includes(k)),
        write,
      );
      for (const pattern of byPattern) await cache.deletePattern(pattern).catch(() => 0);
    },
  };
}

/** What slow-cached-read adds to a settings read served from the cache. */
export const SLOW_CACHED_READ_MS = 10;
