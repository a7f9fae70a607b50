/**
 * Criterion 7 — an update invalidates immediately, judged by content markers: for every write path (settings update;
 * character create, rename, copy, delete; structured update; memories save; account delete) the affected entries are
 * first read into the cache on BOTH workers (reads and a chat, which is what fills char_profile), then a write with a
 * fresh marker goes to worker 1; a read is stale only if it returns data older than that acknowledged write, on
 * either worker — and the entry in Redis (under the target's key profile) must be gone or carry the marker.
 * Characters come from the target's users (never created through the app on an external target unless allowed);
 * every change to them is undone at the end.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { canCreateCharacters, createCharacter } from './support/characters.ts';
import { type Client, type Reply, seg } from './support/http.ts';
import { findEntry, keyProfile, uidOf } from './support/observe.ts';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { freshUser, hasWorkerUrls, userSession, users, workers } from './support/target.ts';

const rec = recorder('07');
const results: Array<{ path: string; stale: string[] }> = [];
const notExercised: string[] = [];
const redis: Redis = adminRedis();
/** Seeded user whose characters the character paths use (others rows use users 0–10). */
const USER = 11;
const W = ['worker 1', 'worker 2'];

function userRole(): string {
  const role = users()[USER]?.characters[0];
  if (!role) throw new Error(`the target has no user #${USER} with a character (ACCEPTANCE_USERS_FILE)`);
  return role;
}

type Structured = Record<string, Record<string, unknown>>;
const roles = (reply: Reply<{ items?: Array<{ role: string }> }>): string[] =>
  (reply.body?.items ?? []).map((i) => i.role);
/** ASCII markers: found in an entry whatever JSON encoding the app uses. */
const marker = (tag: string): string => `${tag}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

interface Ctx {
  w1: Client;
  w2: Client;
  both: Client[];
  stale: string[];
}

async function pathCase(name: string, body: (ctx: Ctx) => Promise<void>, session?: Client): Promise<void> {
  const [u1, u2] = workers();
  const w1 = session ?? (await userSession(USER, u1)).client;
  const stale: string[] = [];
  await body({ w1, w2: w1.on(u2), both: [w1, w1.on(u2)], stale });
  results.push({ path: name, stale });
  rec.figure(`${name}: stale reads after the write`, stale.length, '', '= 0', stale.length === 0);
  if (stale.length) rec.note(`${name}: ${stale.join('; ')}`);
  expect(stale).toEqual([]);
}

/** Reads each path twice on each worker so the entries are cached everywhere. */
async function prime(clients: Client[], paths: string[]): Promise<void> {
  for (const c of clients) for (const p of paths) for (let i = 0; i < 2; i++) await c.get(p);
}

/** A chat on each worker: what fills char_profile on the real app. */
async function chatOnBoth(clients: Client[], role: string): Promise<void> {
  for (const c of clients) await c.post(`/api/chat/${seg(role)}/messages`, { content: 'prime the profile' });
}

/** The entry in Redis holds data older than the write: present and without the marker. */
async function entryStale(candidates: string[], mark: string, what: string, stale: string[]): Promise<void> {
  const entry = await findEntry(redis, candidates);
  if (entry && !entry.value.includes(mark)) stale.push(`Redis ${entry.key} still holds the value before the ${what}`);
}

afterAll(() => {
  redis.disconnect();
  const total = results.length;
  const clean = results.filter((r) => r.stale.length === 0).length;
  if (!hasWorkerUrls())
    rec.note('the target exposes no per-worker URLs: "other worker" reads went through the shared URL');
  for (const n of notExercised) rec.note(`not exercised on this target: ${n}`);
  const headline = 'write paths invalidating immediately (both workers)';
  rec.figure(headline, `${clean}/${total}`, '', 'all exercised', clean === total && total >= 7);
  rec.headline(headline);
});

describe('07 an update invalidates immediately', () => {
  test('settings update', async () => {
    const { client } = await freshUser('acc7_set', workers()[0]);
    await pathCase(
      'settings_update',
      async ({ w1, both, stale }) => {
        const uid = await uidOf(w1);
        await prime(both, ['/api/me/settings']);
        const mark = marker('set');
        expect((await w1.put('/api/me/settings', { profile: mark })).status).toBe(200);
        for (const [i, c] of both.entries()) {
          const r = await c.get<{ settings: { profile: string | null } }>('/api/me/settings');
          if (r.body.settings?.profile !== mark) stale.push(`${W[i]}: profile ${r.body.settings?.profile}`);
        }
        await entryStale([keyProfile().settings(uid)], mark, 'settings update', stale);
      },
      client,
    );
  });

  test('character create', async (ctx) => {
    if (!canCreateCharacters()) {
      notExercised.push('character_create (the creation route is the app’s paid pipeline; ACCEPTANCE_ALLOW_CREATE=1)');
      return ctx.skip();
    }
    await pathCase('character_create', async ({ w1, both, stale }) => {
      const role = marker('new');
      await prime(both, ['/api/characters']);
      await createCharacter(w1, role);
      for (const [i, c] of both.entries()) {
        if (!roles(await c.get('/api/characters')).includes(role)) stale.push(`${W[i]}: list lacks ${role}`);
      }
      await w1.delete(`/api/characters/${seg(role)}`);
    });
  });

  test('character rename (and back)', async () => {
    await pathCase('character_rename', async ({ w1, both, stale }) => {
      const oldName = userRole();
      const newName = `${oldName}${marker('_r')}`;
      await prime(both, ['/api/characters', `/api/characters/${seg(oldName)}/structured`]);
      await chatOnBoth(both, oldName);
      const r = await w1.put(`/api/characters/${seg(oldName)}/rename`, { new_name: newName });
      expect(r.status, r.text).toBe(200);
      try {
        for (const [i, c] of both.entries()) {
          const list = roles(await c.get('/api/characters'));
          if (list.includes(oldName)) stale.push(`${W[i]}: list still has ${oldName}`);
          const o = await c.get(`/api/characters/${seg(oldName)}/structured`);
          if (o.status === 200) stale.push(`${W[i]}: old name still answers 200`);
        }
      } finally {
        await w1.put(`/api/characters/${seg(newName)}/rename`, { new_name: oldName });
      }
    });
  });

  test('character copy, then delete the copy', async () => {
    let copy: string | undefined;
    await pathCase('character_copy', async ({ w1, both, stale }) => {
      const role = userRole();
      await prime(both, ['/api/characters']);
      const r = await w1.post<{ new_name?: string }>(`/api/characters/${seg(role)}/copy`);
      expect(r.status, r.text).toBe(200);
      copy = r.body.new_name;
      expect(copy).toBeTruthy();
      for (const [i, c] of both.entries()) {
        if (!roles(await c.get('/api/characters')).includes(copy as string)) stale.push(`${W[i]}: list lacks ${copy}`);
      }
    });
    await pathCase('character_delete', async ({ w1, both, stale }) => {
      const name = copy as string;
      const uid = await uidOf(w1);
      await prime(both, ['/api/characters', `/api/characters/${seg(name)}/structured`]);
      await chatOnBoth(both, name);
      const r = await w1.delete(`/api/characters/${seg(name)}`);
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of both.entries()) {
        if (roles(await c.get('/api/characters')).includes(name)) stale.push(`${W[i]}: list still has ${name}`);
        const s = await c.get(`/api/characters/${seg(name)}/structured`);
        if (s.status === 200) stale.push(`${W[i]}: deleted role answers 200`);
      }
      const entry = await findEntry(redis, keyProfile().profile(uid, name));
      if (entry) stale.push(`Redis ${entry.key} still holds the deleted character's profile`);
    });
  });

  test('structured update (FastNPC forgot this one)', async () => {
    await pathCase('structured_update', async ({ w1, both, stale }) => {
      const role = userRole();
      const uid = await uidOf(w1);
      const path = `/api/characters/${seg(role)}/structured`;
      const original = (await w1.get<Structured>(path)).body;
      await prime(both, [path]);
      await chatOnBoth(both, role);
      const mark = marker('occ');
      const r = await w1.put(path, { ...original, 基础身份信息: { ...(original.基础身份信息 ?? {}), 职业: mark } });
      expect(r.status, r.text).toBe(200);
      try {
        for (const [i, c] of both.entries()) {
          const s = await c.get<Structured>(path);
          if (s.body?.基础身份信息?.职业 !== mark) stale.push(`${W[i]}: 职业 ${String(s.body?.基础身份信息?.职业)}`);
        }
        await entryStale(keyProfile().profile(uid, role), mark, 'structured update', stale);
      } finally {
        await w1.put(path, original);
      }
    });
  });

  test('memories save', async () => {
    await pathCase('memories_save', async ({ w1, both, stale }) => {
      const role = userRole();
      const uid = await uidOf(w1);
      const path = `/api/characters/${seg(role)}/memories`;
      const original = (await w1.get<{ short_term: string[]; long_term: string[] }>(path)).body;
      await prime(both, [path]);
      await chatOnBoth(both, role);
      const mark = marker('mem');
      const r = await w1.put(path, {
        short_term: [...(original.short_term ?? []), mark],
        long_term: original.long_term,
      });
      expect(r.status, r.text).toBe(200);
      try {
        for (const [i, c] of both.entries()) {
          const m = await c.get<{ short_term: string[] }>(path);
          if (!m.body?.short_term?.includes(mark)) stale.push(`${W[i]}: short_term lacks the saved memory`);
        }
        await entryStale(keyProfile().profile(uid, role), mark, 'memories save', stale);
      } finally {
        await w1.put(path, original);
      }
    });
  });

  test('account delete', async () => {
    const fresh = await freshUser('acc7_del', workers()[0]);
    await pathCase(
      'account_delete',
      async ({ w1, w2, both, stale }) => {
        const uid = await uidOf(w1);
        const mark = marker('del');
        expect((await w1.put('/api/me/settings', { profile: mark })).status).toBe(200);
        await prime(both, ['/api/me/settings', '/api/characters']);
        // Keep the signed cookie: the real app still accepts it after the delete (default settings, no cache
        // involved); a read is stale only if it returns the deleted account's own data (the marker).
        const old = [w1.snapshot(), w2.snapshot()];
        const r = await w1.post('/api/me/delete', { password: fresh.password });
        expect(r.status, r.text).toBe(200);
        for (const [i, c] of old.entries()) {
          const s = await c.get<{ settings?: { profile?: string } }>('/api/me/settings');
          if (s.status === 200 && s.body?.settings?.profile === mark) {
            stale.push(`${W[i]}: the deleted account's settings still served`);
          }
        }
        const entry = await findEntry(redis, [keyProfile().settings(uid)]);
        if (entry?.value.includes(mark)) stale.push(`Redis ${entry.key} still holds the deleted account's settings`);
      },
      fresh.client,
    );
  });
});
