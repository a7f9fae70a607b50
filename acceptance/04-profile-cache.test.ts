/**
 * Criterion 4 — character-profile cache, observed where the app uses it: a chat message builds its prompt from the
 * character profile, so the first chat after the entry was emptied must fill `char_profile:{uid}:{role}` in Redis
 * (with its TTL), and the next chat must read it instead of loading the profile again — counted by PostgreSQL
 * (pg_stat_statements delta of a warm chat vs a cold one; the profile load is ≈ 14–15 statements). The app's own
 * X-Cache-Detail / X-DB-Queries headers are reported as an extra where present.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { seg } from './support/http.ts';
import { findEntry, keyProfile, uidOf } from './support/observe.ts';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { type StatementCounter, statementCounter } from './support/statements.ts';
import { median } from './support/stats.ts';
import { target, userSession, workers } from './support/target.ts';

const rec = recorder('04');
const ROUNDS = 5;
/** A profile load costs ≈ 14 statements; a warm chat must save at least this many. */
const MIN_SAVED = 8;
const redis = adminRedis();
let counter: StatementCounter | undefined;
afterAll(async () => {
  await counter?.close();
  redis.disconnect();
});

describe('04 character-profile cache (chat path)', () => {
  test(`chat fills char_profile and the next chat reads it (${ROUNDS} rounds)`, async () => {
    const { client, user } = await userSession(2, workers()[0]);
    const role = user.characters[0];
    expect(role, 'user 2 has a character').toBeDefined();
    const uid = await uidOf(client);
    const candidates = keyProfile().profile(uid, role as string);
    const chat = (m: string) => client.post(`/api/chat/${seg(role as string)}/messages`, { content: m });
    if (target().databaseUrl) counter = await statementCounter(target().databaseUrl as string);
    else rec.note('no DATABASE_URL: statements not counted, only the entry in Redis observed');

    let filled = 0;
    let ttlOk = 0;
    const cold: number[] = [];
    const warm: number[] = [];
    const headerCold: number[] = [];
    const headerWarm: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of candidates) await redis.del(k);
      const c0 = await counter?.count();
      const first = await chat(`profile round ${i}: 第一条`);
      const c1 = await counter?.count();
      expect(first.status, first.text.slice(0, 200)).toBe(200);
      const entry = await findEntry(redis, candidates);
      if (entry) {
        filled++;
        if (entry.pttl > 0 && entry.pttl <= target().profileTtlSeconds * 1000) ttlOk++;
      }
      const second = await chat(`profile round ${i}: 第二条`);
      const c2 = await counter?.count();
      expect(second.status).toBe(200);
      if (c0 !== undefined && c1 !== undefined && c2 !== undefined) {
        cold.push(c1 - c0);
        warm.push(c2 - c1);
      }
      if (first.dbQueries !== undefined && second.dbQueries !== undefined) {
        headerCold.push(first.dbQueries);
        headerWarm.push(second.dbQueries);
      }
    }
    const entryOk = rec.figure(
      'chats that filled char_profile in Redis',
      `${filled}/${ROUNDS}`,
      '',
      'all',
      filled === ROUNDS,
    );
    rec.headline('chats that filled char_profile in Redis');
    rec.figure('entry key', candidates[0] as string, '', '', null);
    const pttlOk = rec.figure(
      'entries with 0 < PTTL <= profile TTL',
      `${ttlOk}/${ROUNDS}`,
      '',
      'all',
      ttlOk === ROUNDS,
    );
    let savedOk = true;
    if (cold.length > 0) {
      const saved = median(cold) - median(warm);
      savedOk = rec.figure(
        'statements saved by the cached profile (median cold chat − warm chat, PostgreSQL)',
        saved,
        '',
        `>= ${MIN_SAVED}`,
        saved >= MIN_SAVED,
      );
      rec.figure('statements per chat, profile emptied (median)', median(cold), '', '', null);
      rec.figure('statements per chat, profile cached (median)', median(warm), '', '', null);
    }
    if (headerCold.length > 0) {
      rec.figure(
        'X-DB-Queries cold / warm chat (median, extra)',
        `${median(headerCold)} / ${median(headerWarm)}`,
        '',
        '',
        null,
      );
    }
    expect(entryOk && pttlOk && savedOk).toBe(true);
  });
});
