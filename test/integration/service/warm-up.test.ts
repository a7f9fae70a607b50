/**
 * Cache warm-up (src/service/warm-up.ts) on a private PostgreSQL + redis-server: it fills the settings of the users
 * active in the window only, through the leased fill, so a settings write landing in the middle of the warm-up (after
 * the warm-up read the row, before it stored it) wins. Control: the naive warm-up (read, then plain SET) leaves the old
 * row in the cache with the same interleaving. Figure: the settings hit rate of a first minute of chat reads (the
 * plan's 100 users × 10 messages) after a cold start, with and without the warm-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache, keys } from '../../../src/cache/index.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { CachedReads } from '../../../src/service/cached-reads.ts';
import { createDatabase, type Database } from '../../../src/service/db.ts';
import { addMessage } from '../../../src/service/store/messages.ts';
import { seed } from '../../../src/service/store/seed.ts';
import { loadSettings, updateSettings } from '../../../src/service/store/settings.ts';
import { warmUp } from '../../../src/service/warm-up.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

const DAY = 86_400;
const USERS = 100;
let stack: StartedLocalStack;
let db: Database;
let cache: Cache;
let userIds: number[] = [];
let now = 0;

/** A database whose settings SELECT for `userId` runs `between` after reading the row and before returning it. */
function interleaved(real: Database, userId: number, between: () => Promise<void>): Database {
  let done = false;
  return {
    ...real,
    query: (async (text: string, values?: unknown[]) => {
      const result = await real.query(text, values);
      if (!done && /FROM users u LEFT JOIN user_settings/.test(text) && values?.[0] === userId) {
        done = true;
        await between();
      }
      return result;
    }) as Database['query'],
  };
}

/** The write the service does on PUT /api/me/settings: update the row, then invalidate the entry. */
async function writeSettings(userId: number, model: string): Promise<void> {
  await updateSettings(db, userId, { default_model: model });
  await cache.invalidate(keys.userSettings(userId));
}

describe('cache warm-up at start', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    stack = await startLocalStack();
    const seeded = await seed(stack.databaseUrl, { users: USERS + 20, characters: 1, memories: 0 });
    db = createDatabase({ connectionString: stack.databaseUrl, max: 8 });
    cache = createCache({ redis: stack.redisUrl, namespace: 'warmtest' });
    now = Math.floor(Date.now() / 1000);
    // USERS users wrote in the last 3 days; 20 more last wrote 30 days ago
    const charOf = async (uid: number): Promise<number> =>
      (await db.query<{ id: number }>('SELECT id FROM characters WHERE user_id = $1 LIMIT 1', [uid])).rows[0]!.id;
    for (const [i, user] of seeded.users.entries()) {
      const id = await addMessage(db, user.id, await charOf(user.id), 'user', 'hello');
      const age = i < USERS ? (i % 3) * DAY : 30 * DAY;
      await db.query('UPDATE messages SET created_at = $1 WHERE id = $2', [now - age, id]);
    }
    userIds = seeded.users.map((u) => u.id);
  }, 180_000);
  afterAll(async () => {
    await cache?.close();
    await db?.close();
    await stack?.stop();
  });

  it('fills the settings of the users active in the window, and only theirs; a second run finds them cached', async () => {
    await cache.clearAll();
    const first = await warmUp({ cache, db, days: 7, now });
    expect(first).toMatchObject({ users: USERS, loaded: USERS, alreadyCached: 0 });
    for (const uid of userIds.slice(0, USERS)) expect(await cache.exists(keys.userSettings(uid))).toBe(true);
    for (const uid of userIds.slice(USERS)) expect(await cache.exists(keys.userSettings(uid))).toBe(false);
    // the stored value is the one the service's own read would load
    expect(await cache.get(keys.userSettings(userIds[0]!))).toEqual(await loadSettings(db, userIds[0]!));
    const second = await warmUp({ cache, db, days: 7, now });
    expect(second).toMatchObject({ users: USERS, loaded: 0, alreadyCached: USERS });
  });

  it('a settings write in the middle of the warm-up wins: the old row is never left in the cache', async () => {
    await cache.clearAll();
    const victim = userIds[5]!;
    await updateSettings(db, victim, { default_model: 'old-model' });
    const racing = interleaved(db, victim, () => writeSettings(victim, 'new-model'));
    await warmUp({ cache, db: racing, days: 7, now });
    const cached = await cache.get<{ default_model: string }>(keys.userSettings(victim));
    // either not stored (the lease was voided) or the new row — never the old one
    expect(cached?.default_model ?? 'new-model').toBe('new-model');
    const reads = new CachedReads({
      cache,
      db,
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
    });
    expect((await reads.settings(victim))?.default_model).toBe('new-model');
  });

  it('control: the naive warm-up (read, then plain SET) leaves the old row with the same interleaving', async () => {
    await cache.clearAll();
    const victim = userIds[6]!;
    await updateSettings(db, victim, { default_model: 'old-model' });
    const racing = interleaved(db, victim, () => writeSettings(victim, 'new-model'));
    for (const uid of userIds.slice(0, USERS)) {
      await cache.set(keys.userSettings(uid), (await loadSettings(racing, uid)) ?? null);
    }
    const cached = await cache.get<{ default_model: string }>(keys.userSettings(victim));
    expect(cached?.default_model).toBe('old-model'); // stale, and with no TTL on settings it stays
  });

  it('figure: settings hit rate of the first minute after a cold start, with and without warm-up', async () => {
    // the plan's first minute: 100 active users × 10 chat messages, each reading the user's settings
    const order = Array.from({ length: USERS * 10 }, (_, i) => userIds[i % USERS]!).sort(() => Math.random() - 0.5);
    const firstMinute = async (): Promise<number> => {
      let hits = 0;
      let total = 0;
      const reads = new CachedReads({
        cache,
        db,
        enabled: true,
        redisUp: () => true,
        ttlProfileSeconds: 300,
        ttlListSeconds: 60,
        onOutcome: (_e, outcome) => {
          total += 1;
          if (outcome === 'hit') hits += 1;
        },
      });
      for (const uid of order) await reads.settings(uid);
      return hits / total;
    };
    await cache.clearAll();
    const cold = await firstMinute();
    await cache.clearAll();
    const warm = await warmUp({ cache, db, days: 7, now });
    const warmed = await firstMinute();
    console.log(
      `warm-up figure: settings hit rate over the first ${order.length} reads (a minute of the plan's chat) — ` +
        `cold start ${(cold * 100).toFixed(1)} %, after warm-up ${(warmed * 100).toFixed(1)} % ` +
        `(warm-up of ${warm.users} users took ${warm.ms} ms)`,
    );
    expect(cold).toBeCloseTo(0.9, 5); // one miss per user
    expect(warmed).toBe(1);
  });
});
