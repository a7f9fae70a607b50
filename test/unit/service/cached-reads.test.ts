import { describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/index.ts';
import { CachedReads } from '../../../src/service/cached-reads.ts';
import { newRequestContext, runWithContext, summarizeCache } from '../../../src/service/request-context.ts';
import { FakeCache } from './fake-cache.ts';
import { fakeDb } from './fake-db.ts';

const db = fakeDb((sql) => {
  if (sql.includes('FROM users u LEFT JOIN user_settings')) return [{ user_id: null }];
  if (sql.startsWith('SELECT id FROM characters')) return [{ id: 7 }];
  if (sql.startsWith('SELECT id, user_id, name')) return [{ id: 7, name: '李白', source: 'baike', updated_at: '1' }];
  return [];
});

function reads(cache: FakeCache, enabled = true, redisUp = true): CachedReads {
  return new CachedReads({ cache, db, enabled, redisUp: () => redisUp, ttlProfileSeconds: 300, ttlListSeconds: 60 });
}

describe('CachedReads', () => {
  it('reads each entry through getOrLoad under the cache module’s key builders and the plan’s TTLs', async () => {
    const cache = new FakeCache();
    const r = reads(cache);
    await r.settings(3);
    await r.profile(3, '李白:*');
    await r.list(3);
    expect(cache.reads).toEqual([
      { key: keys.userSettings(3) }, // no TTL
      { key: keys.characterId(3, '李白:*') }, // no TTL
      { key: keys.characterProfile(3, '李白:*'), ttlSeconds: 300 },
      { key: keys.characterList(3), ttlSeconds: 60 },
    ]);
  });

  it('reports miss on the first read and hit on the second (X-Cache / X-Cache-Detail)', async () => {
    const cache = new FakeCache();
    const r = reads(cache);
    const first = newRequestContext();
    await runWithContext(first, () => r.profile(1, '李白'));
    expect(summarizeCache(first.cache)).toEqual({ summary: 'miss', detail: 'char_id=miss;profile=miss' });
    const second = newRequestContext();
    await runWithContext(second, async () => {
      await r.settings(1);
      await r.profile(1, '李白');
    });
    expect(summarizeCache(second.cache)).toEqual({ summary: 'miss', detail: 'settings=miss;char_id=hit;profile=hit' });
    const third = newRequestContext();
    await runWithContext(third, () => r.settings(1));
    expect(summarizeCache(third.cache)).toEqual({ summary: 'hit', detail: 'settings=hit' });
  });

  it('reports bypass with the cache off, or when a load happened while Redis was down', async () => {
    const off = newRequestContext();
    await runWithContext(off, () => reads(new FakeCache(), false).settings(1));
    expect(summarizeCache(off.cache).summary).toBe('bypass');
    const down = newRequestContext();
    await runWithContext(down, () => reads(new FakeCache(), true, false).settings(1));
    expect(summarizeCache(down.cache).summary).toBe('bypass');
  });

  it('a missing character reads no profile (null id is cached under char_id)', async () => {
    const cache = new FakeCache();
    const none = new CachedReads({
      cache,
      db: fakeDb(() => []),
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
    });
    expect(await none.profile(1, 'nobody')).toBeNull();
    expect(cache.reads.map((r) => r.key)).toEqual([keys.characterId(1, 'nobody')]);
    expect(cache.store.get(keys.characterId(1, 'nobody'))).toBeNull();
  });

  it('profileEntry asks for char_id and char_profile in the same turn (one MGET on a hit), reported in that order', async () => {
    const cache = new FakeCache();
    const r = reads(cache);
    const context = newRequestContext();
    const pending = runWithContext(context, () => r.profileEntry(1, '李白'));
    // both reads were asked for before either answered: the cache's batcher sends them together
    // (control: the sequential version asks for char_profile only after char_id answered)
    expect(cache.reads.map((x) => x.key)).toEqual([keys.characterId(1, '李白'), keys.characterProfile(1, '李白')]);
    expect((await pending)?.value).toMatchObject({ structured: expect.any(Object) });
    expect(summarizeCache(context.cache).detail).toBe('char_id=miss;profile=miss');
    // the profile answering first (a hit) while char_id is loaded still reports char_id first
    cache.store.delete(keys.characterId(1, '李白'));
    const second = newRequestContext();
    await runWithContext(second, () => r.profileEntry(1, '李白'));
    expect(summarizeCache(second.cache).detail).toBe('char_id=miss;profile=hit');
  });

  it('profileEntry of a missing character loads no profile, stores none and reports only char_id', async () => {
    const cache = new FakeCache();
    const database = fakeDb(() => []);
    const none = new CachedReads({
      cache,
      db: database,
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
    });
    const context = newRequestContext();
    expect(await runWithContext(context, () => none.profileEntry(1, 'nobody'))).toBeNull();
    expect(summarizeCache(context.cache).detail).toBe('char_id=miss');
    expect(cache.store.get(keys.characterId(1, 'nobody'))).toBeNull();
    await new Promise((resolve) => setImmediate(resolve)); // the dropped profile read has settled
    expect(cache.store.has(keys.characterProfile(1, 'nobody'))).toBe(false);
    expect(database.statements).toHaveLength(1); // the character id only, no profile statement
  });

  it('profileEntry fails with the character id’s load error (the profile read fails with it, handled)', async () => {
    const failing = fakeDb(() => {
      throw new Error('db down');
    });
    const r = new CachedReads({
      cache: new FakeCache(),
      db: failing,
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
    });
    await expect(r.profileEntry(1, '李白')).rejects.toThrow('db down');
  });

  it('with nothing read, no X-Cache header is produced', () => {
    expect(summarizeCache(new Map())).toEqual({});
  });
});
