// Defect 5 of the Python cache: keys concatenated from user-chosen names. Here any name maps to its own key,
// never collides with another user's, never widens a pattern delete, and nothing outside the namespace is hit.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escapeGlob, keys, patterns } from '../../../src/cache/keys.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, testCache } from './helpers.ts';

const HOSTILE_NAMES = [
  '*',
  '?',
  '[',
  '[a-z]*',
  ':',
  'a:b',
  '42:*',
  'with space',
  '李白',
  '李白:*',
  '\\*',
  '%2A',
  'x'.repeat(10_240),
  '长'.repeat(4_000),
];
const USERS = [4, 42];
const FOREIGN = {
  'otherapp:session:1': 'foreign-app',
  'fastnpc2:char_profile:42:x': 'sibling-namespace',
  fastnpcx: 'no-separator',
};

let server: StartedRedisServer;
let raw: Redis;
let cache: Cache;

beforeAll(async () => {
  server = await startRedisServer();
  raw = rawClient(server.url);
  cache = testCache(server.url, { statsFlushIntervalMs: 50 });
});
afterAll(async () => {
  await cache?.close();
  raw?.disconnect();
  await server?.stop();
});

async function fill(): Promise<number> {
  let n = 0;
  for (const uid of USERS) {
    expect(await cache.set(keys.userSettings(uid), { uid })).toBe(true);
    expect(await cache.set(keys.characterList(uid), [uid])).toBe(true);
    n += 2;
    for (const name of HOSTILE_NAMES) {
      expect(await cache.set(keys.characterProfile(uid, name), { uid, name: name.slice(0, 16) })).toBe(true);
      expect(await cache.set(keys.characterId(uid, name), `${uid}/${name.slice(0, 16)}`)).toBe(true);
      n += 2;
    }
  }
  for (const [key, value] of Object.entries(FOREIGN)) await raw.set(key, value);
  return n;
}

async function foreignIntact(): Promise<void> {
  for (const [key, value] of Object.entries(FOREIGN)) expect(await raw.get(key)).toBe(value);
}

describe('hostile names', () => {
  beforeEach(async () => {
    await cache.clearAll();
  });

  it('each (user, name) has its own key and reads back its own value', async () => {
    const total = await fill();
    const namespaced = await raw.keys('fastnpc:*'); // test-side inspection only
    const entries = namespaced.filter((k) => !k.startsWith('fastnpc:__cache__:'));
    expect(entries).toHaveLength(total);
    for (const uid of USERS) {
      for (const name of HOSTILE_NAMES) {
        expect(await cache.get(keys.characterProfile(uid, name))).toEqual({ uid, name: name.slice(0, 16) });
        expect(await cache.get(keys.characterId(uid, name))).toBe(`${uid}/${name.slice(0, 16)}`);
      }
    }
    expect(Math.max(...entries.map((k) => Buffer.byteLength(k)))).toBeLessThan(300);
  });

  it("a character named '*' (or any hostile name) deletes only itself", async () => {
    const total = await fill();
    for (const name of HOSTILE_NAMES) {
      expect(await cache.deletePattern(escapeGlob(keys.characterProfile(42, name)))).toBe(1);
    }
    for (const name of HOSTILE_NAMES) {
      expect(await cache.exists(keys.characterProfile(42, name))).toBe(false);
      expect(await cache.exists(keys.characterProfile(4, name))).toBe(true);
      expect(await cache.exists(keys.characterId(42, name))).toBe(true);
    }
    expect(await cache.clearAll()).toBe(total - HOSTILE_NAMES.length);
    await foreignIntact();
  });

  it('the per-user patterns remove exactly that user (42 is not 4 and not 420)', async () => {
    await fill();
    await cache.set(keys.characterProfile(420, 'x'), 1);
    expect(await cache.deletePattern(patterns.characterProfiles(42))).toBe(HOSTILE_NAMES.length);
    expect(await cache.exists(keys.characterProfile(420, 'x'))).toBe(true);
    let removed = 0;
    for (const pattern of patterns.userEntries(4)) removed += await cache.deletePattern(pattern);
    expect(removed).toBe(2 + 2 * HOSTILE_NAMES.length);
    expect(await cache.exists(keys.userSettings(42))).toBe(true);
    expect(await cache.exists(keys.characterId(42, '*'))).toBe(true);
    expect(await cache.exists(keys.userSettings(4))).toBe(false);
  });

  it("deletePattern('*') and clearAll() stay in the namespace and keep the statistics", async () => {
    const total = await fill();
    await cache.stats(); // flushes counters into Redis
    expect(await raw.exists('fastnpc:__cache__:{stats}:system')).toBe(1);
    expect(await cache.deletePattern('*')).toBe(total);
    await foreignIntact();
    expect(await raw.exists('fastnpc:__cache__:{stats}:system')).toBe(1);
    expect((await cache.stats()).system.sets).toBeGreaterThanOrEqual(total);

    expect(await fill()).toBe(total);
    expect(await cache.clearAll()).toBe(total);
    await foreignIntact();
    expect(await raw.dbsize()).toBe(Object.keys(FOREIGN).length + 3); // + system, worker, workers stats keys
  });

  it('a pattern cannot reach internal keys, and internal keys cannot be used as entries', async () => {
    await cache.stats();
    expect(await cache.deletePattern('__cache__:*')).toBe(0);
    expect(await raw.exists('fastnpc:__cache__:{stats}:system')).toBe(1);
    expect(await cache.set('__cache__:{stats}:system', 'overwrite')).toBe(false);
    expect(await cache.get('__cache__:{stats}:system')).toBeUndefined();
    expect(await raw.type('fastnpc:__cache__:{stats}:system')).toBe('hash');
  });

  it('deletePattern voids the leases of matching keys (a load in flight does not store afterwards)', async () => {
    const key = keys.characterProfile(42, '*');
    let release!: () => void;
    const started = new Promise<void>((resolveStarted) => {
      void cache.getOrLoad(key, async () => {
        resolveStarted();
        await new Promise<void>((r) => {
          release = r;
        });
        return 'old';
      });
    });
    await started;
    expect(await raw.exists(`fastnpc:__cache__:lease:{fastnpc:${key}}`)).toBe(1);
    await cache.deletePattern(patterns.characterProfiles(42));
    expect(await raw.exists(`fastnpc:__cache__:lease:{fastnpc:${key}}`)).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(await cache.exists(key)).toBe(false);
  });
});
