import { keys as encodedKeys } from '../cache/index.ts';
import type { Cache } from '../cache/types.ts';
import type { Database } from './db.ts';
import type { KeyScheme } from './defects.ts';
import { type CacheOutcome, recordCacheOutcome } from './request-context.ts';
import { type CharacterListItem, findCharacterId, listCharacters } from './store/characters.ts';
import { type CharacterProfile, loadProfile } from './store/profile.ts';
import { loadSettings, type UserSettings } from './store/settings.ts';

/** Cache entries as named in X-Cache-Detail and the metrics. */
export type CacheEntry = 'settings' | 'char_id' | 'profile' | 'list';

export interface CachedReadsOptions {
  cache: Cache;
  db: Database;
  /** false with CACHE_MODE=off: every read reports `bypass`. */
  enabled: boolean;
  /** Whether Redis answered the last probe; a load while it is down reports `bypass`. */
  redisUp: () => boolean;
  /** Whether the cache's fence is down (after an outage, until the invalidator caught up): a load reports `bypass`. */
  fenced?: () => boolean;
  ttlProfileSeconds: number;
  ttlListSeconds: number;
  /** Key builders. @default the cache module's (encoded names) */
  keys?: KeyScheme;
  onOutcome?: (entry: CacheEntry, outcome: CacheOutcome) => void;
}

/** The plan's steps 4–7: the four cached reads, each through getOrLoad, each reporting hit / miss / bypass. */
export class CachedReads {
  readonly #o: CachedReadsOptions;

  readonly #keys: KeyScheme;

  constructor(options: CachedReadsOptions) {
    this.#o = options;
    this.#keys = options.keys ?? encodedKeys;
  }

  async #read<T>(entry: CacheEntry, key: string, loader: () => Promise<T>, ttlSeconds?: number): Promise<T> {
    let loaded = false;
    const fencedBefore = this.#o.fenced?.() === true;
    const value = await this.#o.cache.getOrLoad(
      key,
      async () => {
        loaded = true;
        return loader();
      },
      ttlSeconds === undefined ? {} : { ttlSeconds },
    );
    // a load while Redis is down or the cache fenced was not stored: a bypass, not a miss
    const bypassed = loaded && (!this.#o.redisUp() || fencedBefore || this.#o.fenced?.() === true);
    const outcome: CacheOutcome = !this.#o.enabled || bypassed ? 'bypass' : loaded ? 'miss' : 'hit';
    recordCacheOutcome(entry, outcome);
    this.#o.onOutcome?.(entry, outcome);
    return value;
  }

  /** `user_settings:{uid}`, no TTL. null when the account no longer exists. */
  settings(userId: number): Promise<UserSettings | null> {
    return this.#read(
      'settings',
      this.#keys.userSettings(userId),
      async () => (await loadSettings(this.#o.db, userId)) ?? null,
    );
  }

  /** `char_id:{uid}:{name}`, no TTL (null = no such character, cached too; create invalidates it). */
  characterId(userId: number, name: string): Promise<number | null> {
    return this.#read('char_id', this.#keys.characterId(userId, name), () => findCharacterId(this.#o.db, userId, name));
  }

  /** `char_profile:{uid}:{role}`, TTL 300 s: structured data + memories (14 statements when loaded). */
  async profile(userId: number, role: string): Promise<CharacterProfile | null> {
    const id = await this.characterId(userId, role);
    if (id === null) return null;
    return this.#read(
      'profile',
      this.#keys.characterProfile(userId, role),
      async () => (await this.#o.db.withConnection((conn) => loadProfile(conn, id))) ?? null,
      this.#o.ttlProfileSeconds,
    );
  }

  /** `char_list:{uid}`, TTL 60 s, newest first. */
  list(userId: number): Promise<CharacterListItem[]> {
    return this.#read(
      'list',
      this.#keys.characterList(userId),
      () => listCharacters(this.#o.db, userId),
      this.#o.ttlListSeconds,
    );
  }
}
