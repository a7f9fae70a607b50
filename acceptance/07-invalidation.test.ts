/**
 * Criterion 7 — an update invalidates immediately: for every write path (settings update; character create,
 * rename, copy, delete; structured update; memories save; account delete) the affected entries are first read into
 * the cache on BOTH workers, then the write goes to worker 1, and the very next read on worker 1 and on worker 2 must
 * show the new data. Any old value seen is a stale read.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { createCharacter } from './support/characters.ts';
import { type Client, type Reply, seg } from './support/http.ts';
import { recorder } from './support/record.ts';
import { freshUser, hasWorkerUrls, workers } from './support/target.ts';

const rec = recorder('07');
const results: Array<{ path: string; stale: string[]; primedHits: number; primedReads: number }> = [];

type Structured = Record<string, Record<string, unknown>>;

/** Reads twice on each worker so the entry is cached everywhere; counts the second reads that were hits. */
async function prime(clients: Client[], paths: string[], tally: { hits: number; reads: number }): Promise<void> {
  for (const c of clients) {
    for (const p of paths) {
      await c.get(p);
      const second = await c.get(p);
      if (second.cache !== undefined) {
        tally.reads++;
        if (second.cache === 'hit') tally.hits++;
      }
    }
  }
}

async function pathCase(
  name: string,
  body: (ctx: {
    w1: Client;
    w2: Client;
    both: Client[];
    stale: string[];
    tally: { hits: number; reads: number };
    username: string;
    password: string;
  }) => Promise<void>,
): Promise<void> {
  const [u1, u2] = workers();
  const { client, username, password } = await freshUser(`acc7_${name.slice(0, 6)}`, u1);
  const w1 = client;
  const w2 = client.on(u2);
  const stale: string[] = [];
  const tally = { hits: 0, reads: 0 };
  await body({
    w1,
    w2,
    both: [w1, w2],
    stale,
    tally,
    username,
    password,
  });
  results.push({ path: name, stale, primedHits: tally.hits, primedReads: tally.reads });
  rec.figure(`${name}: stale reads after the write`, stale.length, '', '= 0', stale.length === 0);
  if (stale.length) rec.note(`${name}: ${stale.join('; ')}`);
  expect(stale).toEqual([]);
}

const roles = (reply: Reply<{ items?: Array<{ role: string }> }>): string[] =>
  (reply.body?.items ?? []).map((i) => i.role);
const W = ['worker 1', 'worker 2'];

afterAll(() => {
  const total = results.length;
  const clean = results.filter((r) => r.stale.length === 0).length;
  const primed = results.reduce((n, r) => n + r.primedHits, 0);
  const primedReads = results.reduce((n, r) => n + r.primedReads, 0);
  if (primedReads > 0) rec.figure('primed reads that were cache hits', `${primed}/${primedReads}`, '', '', null);
  if (!hasWorkerUrls())
    rec.note('the target exposes no per-worker URLs: "other worker" reads went through the shared URL');
  const headline = 'write paths invalidating immediately (both workers)';
  rec.figure(headline, `${clean}/${total}`, '', 'all 8', clean === total && total === 8);
  rec.headline(headline);
});

describe('07 an update invalidates immediately', () => {
  test('settings update', async () => {
    await pathCase('settings_update', async ({ w1, both, stale, tally }) => {
      await prime(both, ['/api/me/settings'], tally);
      const marker = `p${Date.now().toString(36)}`;
      expect((await w1.put('/api/me/settings', { profile: marker })).status).toBe(200);
      for (const [i, c] of both.entries()) {
        const r = await c.get<{ settings: { profile: string | null } }>('/api/me/settings');
        if (r.body.settings?.profile !== marker) stale.push(`${W[i]}: profile ${r.body.settings?.profile}`);
      }
    });
  });

  test('character create', async () => {
    await pathCase('character_create', async ({ w1, both, stale, tally }) => {
      const role = `新角色 ${Date.now().toString(36)}`;
      await prime(both, ['/api/characters', `/api/characters/${seg(role)}/structured`], tally);
      await createCharacter(w1, role);
      for (const [i, c] of both.entries()) {
        if (!roles(await c.get('/api/characters')).includes(role)) stale.push(`${W[i]}: list lacks ${role}`);
        const s = await c.get(`/api/characters/${seg(role)}/structured`);
        if (s.status !== 200) stale.push(`${W[i]}: structured of the new role → ${s.status}`);
      }
    });
  });

  test('character rename', async () => {
    await pathCase('character_rename', async ({ w1, both, stale, tally }) => {
      const oldName = `旧名 ${Date.now().toString(36)}`;
      const newName = `${oldName} 改`;
      await createCharacter(w1, oldName);
      await prime(
        both,
        ['/api/characters', `/api/characters/${seg(oldName)}/structured`, `/api/characters/${seg(newName)}/structured`],
        tally,
      );
      const r = await w1.put(`/api/characters/${seg(oldName)}/rename`, { new_name: newName });
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of both.entries()) {
        const list = roles(await c.get('/api/characters'));
        if (list.includes(oldName) || !list.includes(newName)) stale.push(`${W[i]}: list ${JSON.stringify(list)}`);
        const o = await c.get(`/api/characters/${seg(oldName)}/structured`);
        if (o.status !== 404) stale.push(`${W[i]}: old name still answers ${o.status}`);
        const n = await c.get(`/api/characters/${seg(newName)}/structured`);
        if (n.status !== 200) stale.push(`${W[i]}: new name answers ${n.status}`);
      }
    });
  });

  test('character copy', async () => {
    await pathCase('character_copy', async ({ w1, both, stale, tally }) => {
      const role = `原件 ${Date.now().toString(36)}`;
      await createCharacter(w1, role);
      await prime(both, ['/api/characters'], tally);
      const r = await w1.post<{ new_name?: string }>(`/api/characters/${seg(role)}/copy`);
      expect(r.status, r.text).toBe(200);
      const copy = r.body.new_name;
      expect(copy).toBeTruthy();
      for (const [i, c] of both.entries()) {
        if (!roles(await c.get('/api/characters')).includes(copy as string)) stale.push(`${W[i]}: list lacks ${copy}`);
        const s = await c.get(`/api/characters/${seg(copy as string)}/structured`);
        if (s.status !== 200) stale.push(`${W[i]}: structured of the copy → ${s.status}`);
      }
    });
  });

  test('character delete', async () => {
    await pathCase('character_delete', async ({ w1, both, stale, tally }) => {
      const role = `删除我 ${Date.now().toString(36)}`;
      await createCharacter(w1, role);
      await prime(both, ['/api/characters', `/api/characters/${seg(role)}/structured`], tally);
      const r = await w1.delete(`/api/characters/${seg(role)}`);
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of both.entries()) {
        if (roles(await c.get('/api/characters')).includes(role)) stale.push(`${W[i]}: list still has ${role}`);
        const s = await c.get(`/api/characters/${seg(role)}/structured`);
        if (s.status !== 404) stale.push(`${W[i]}: deleted role answers ${s.status}`);
      }
    });
  });

  test('structured update (FastNPC forgot this one)', async () => {
    await pathCase('structured_update', async ({ w1, both, stale, tally }) => {
      const role = `结构 ${Date.now().toString(36)}`;
      await createCharacter(w1, role);
      const path = `/api/characters/${seg(role)}/structured`;
      await prime(both, [path], tally);
      const current = (await w1.get<Structured>(path)).body;
      const age = String(1000 + Math.floor(Math.random() * 8000));
      const updated: Structured = { ...current, 基础身份信息: { ...(current.基础身份信息 ?? {}), 年龄: age } };
      const r = await w1.put(path, updated);
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of both.entries()) {
        const s = await c.get<Structured>(path);
        if (s.body?.基础身份信息?.年龄 !== age) stale.push(`${W[i]}: 年龄 ${String(s.body?.基础身份信息?.年龄)}`);
      }
    });
  });

  test('memories save', async () => {
    await pathCase('memories_save', async ({ w1, both, stale, tally }) => {
      const role = `记忆 ${Date.now().toString(36)}`;
      await createCharacter(w1, role);
      const path = `/api/characters/${seg(role)}/memories`;
      await prime(both, [path, `/api/characters/${seg(role)}/structured`], tally);
      const memory = `记住 ${Math.random().toString(36).slice(2)}`;
      const r = await w1.put(path, { short_term: [memory], long_term: ['长期'] });
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of both.entries()) {
        const m = await c.get<{ short_term: string[] }>(path);
        if (!m.body?.short_term?.includes(memory))
          stale.push(`${W[i]}: short_term ${JSON.stringify(m.body?.short_term)}`);
      }
    });
  });

  test('account delete', async () => {
    await pathCase('account_delete', async ({ w1, w2, both, stale, tally, password }) => {
      const role = `账户 ${Date.now().toString(36)}`;
      await createCharacter(w1, role);
      await prime(both, ['/api/me/settings', '/api/characters'], tally);
      // Keep the signed cookie: after the delete it is still well-formed, so only a stale cache could answer with data.
      const old = [w1.snapshot(), w2.snapshot()];
      const r = await w1.post('/api/me/delete', { password });
      expect(r.status, r.text).toBe(200);
      for (const [i, c] of old.entries()) {
        const s = await c.get<{ settings?: unknown }>('/api/me/settings');
        if (s.status === 200) stale.push(`${W[i]}: settings of the deleted account still served`);
        const l = await c.get<{ items?: unknown[] }>('/api/characters');
        if (l.status === 200 && (l.body.items ?? []).length > 0) {
          stale.push(`${W[i]}: characters of the deleted account still listed`);
        }
      }
    });
  });
});
