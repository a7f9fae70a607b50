import { CachedEntry, keys as encodedKeys } from '../cache/index.ts';
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

  async #read<T>(
    entry: CacheEntry,
    key: string,
    loader: () => Promise<T>,
    ttlSeconds?: number,
    asEntry = false,
  ): Promise<T> {
    const read = this.#start(key, loader, ttlSeconds, asEntry);
    const value = await read.value;
    this.#record(entry, this.#outcome(read));
    return value;
  }

  /**
   * One read through getOrLoad, started: its value, and what it was (hit / miss / bypass: `#outcome`) once the value
   * is there. No promise of its own beyond getOrLoad's — the profile route starts two of these per request.
   */
  #start<T>(key: string, loader: () => Promise<T>, ttlSeconds?: number, asEntry = false): StartedRead<T> {
    const read: StartedRead<T> = {
      loaded: false,
      fencedBefore: this.#o.fenced?.() === true,
      value: undefined as unknown as Promise<T>,
    };
    read.value = this.#o.cache.getOrLoad(
      key,
      () => {
        read.loaded = true;
        return loader();
      },
      ttlSeconds === undefined ? { entry: asEntry } : { ttlSeconds, entry: asEntry },
    );
    return read;
  }

  /** What a read was, once its value is there: a load while Redis is down or the cache fenced was not stored. */
  #outcome(read: StartedRead<unknown>): CacheOutcome {
    const bypassed = read.loaded && (!this.#o.redisUp() || read.fencedBefore || this.#o.fenced?.() === true);
    return !this.#o.enabled || bypassed ? 'bypass' : read.loaded ? 'miss' : 'hit';
  }

  #record(entry: CacheEntry, outcome: CacheOutcome): void {
    recordCacheOutcome(entry, outcome);
    this.#o.onOutcome?.(entry, outcome);
  }

  /** `user_settings:{uid}`, no TTL. null when the account no longer exists. */
  settings(userId: number): Promise<UserSettings | null> {
    return this.#read(
      'settings',
      this.#keys.userSettings(userId),
      async () => (await loadSettings(this.#o.db, userId)) ?? null,
    );
  }

  /**
   * The settings entry as stored (its JSON text is the route's body inside `{"settings":…}`); the text `null` when
   * the account no longer exists.
   */
  async settingsEntry(userId: number): Promise<CachedEntry<UserSettings | null>> {
    return entryOf(
      await this.#read(
        'settings',
        this.#keys.userSettings(userId),
        async () => (await loadSettings(this.#o.db, userId)) ?? null,
        undefined,
        true,
      ),
    );
  }

  /**
   * The profile entry as stored (its parts are the structured and memories routes' bodies); null: no character.
   *
   * One round trip on a hit: `char_id` and `char_profile` are asked for in the same turn, so the cache sends them in
   * one MGET (src/cache/read-batcher.ts). The id is needed only by the profile's loader, which waits for it; for a
   * missing character that loader stores nothing (it throws NO_CHARACTER: the lease is released, nothing is loaded
   * from PostgreSQL) and the profile read is neither reported nor used. Reported in the order of the sequential
   * reads: char_id, then profile.
   */
  async profileEntry(userId: number, role: string): Promise<CachedEntry<CharacterProfile | null> | null> {
    const idRead = this.#start(this.#keys.characterId(userId, role), () => findCharacterId(this.#o.db, userId, role));
    const profileRead = this.#start(
      this.#keys.characterProfile(userId, role),
      async () => {
        const id = await idRead.value;
        if (id === null) throw NO_CHARACTER;
        return (await this.#o.db.withConnection((conn) => loadProfile(conn, id))) ?? null;
      },
      this.#o.ttlProfileSeconds,
      true,
    );
    // a failed id read fails the profile's loader too, and a missing character drops it unread: never unhandled
    profileRead.value.catch(ignore);
    const id = await idRead.value;
    this.#record('char_id', this.#outcome(idRead));
    if (id === null) return null;
    const profile = await profileRead.value;
    this.#record('profile', this.#outcome(profileRead));
    return entryOf(profile);
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

/** Thrown by the profile's loader when the character does not exist: nothing is stored, the read is dropped. */
const NO_CHARACTER = new Error('no such character');

const ignore = (): void => {};

/** A read started by `CachedReads.#start`. */
interface StartedRead<T> {
  value: Promise<T>;
  /** The loader ran (a miss or a bypass). */
  loaded: boolean;
  /** The cache was fenced when the read began. */
  fencedBefore: boolean;
}

/** What a getOrLoad asked for an entry resolved to: the entry, or a value from a Cache that ignores `entry`. */
function entryOf<T>(result: T): CachedEntry<T> {
  return result instanceof CachedEntry ? (result as CachedEntry<T>) : CachedEntry.of(result);
}
