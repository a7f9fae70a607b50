/**
 * No user is served another user's entry — the cache defect that is also a privacy breach (issue 23: with the
 * character-list key built without the user id, every user shared one list; no row checked whose data came back).
 * Two users with distinct data read alternately on both workers (A on worker 1, B on worker 2, A on worker 2, B on
 * worker 1), first cold (each user's entries deleted in Redis before the round) and then warm, every cached entry
 * kind the API exposes:
 * - settings: `GET /api/me/settings` must carry the value that user wrote (distinct per user);
 * - list: `GET /api/characters` must hold that user's characters — those of the users file (ACCEPTANCE_USERS_FILE;
 *   where it lists none, that user's own first read with its entries emptied);
 * - character id + profile: each user chats once with a character (filling char_id and char_profile under its own
 *   name — the same name for both users where they share one, so a key without the user id would collide), then
 *   `GET /api/chat/{role}/messages` must hold that user's own message and never the other's (judged only where the
 *   route shows each user its own message at all: `{messages}`, `{items}` or an array; else noted, not judged).
 * Every answer is checked for its requester. And no key the app fills for one user's read may be read for the
 * other: after each user's cold reads, the entries named by the target's key profile for that user (its own user
 * id in the key) must be the ones that exist — an answer served from an entry under no user's id is counted.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { Client } from '../support/http.ts';
import { seg } from '../support/http.ts';
import { deleteGlobs, keyProfile, uidOf } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { userSession, users, workers } from '../support/target.ts';

const rec = recorder('R11');
const ROUNDS = 5;
/** Users 17 and 18, or the next pair whose characters differ (a list of the wrong user must be told apart). */
const FIRST_USER = 17;
const redis: RedisClient = adminRedis();
afterAll(() => redis.quit());

interface Reader {
  label: string;
  uid: number;
  clients: [Client, Client];
  profile: string;
  roles: string[];
  chatRole: string;
  marker: string;
}

const sorted = (a: readonly string[]): string => JSON.stringify([...a].sort());

/** The message contents of a messages answer: `{messages: [...]}`, `{items: [...]}` or a bare array. */
function contentsOf(body: unknown): string[] {
  const b = body as { messages?: unknown; items?: unknown } | unknown[] | null;
  const list = Array.isArray(b) ? b : Array.isArray(b?.messages) ? b.messages : Array.isArray(b?.items) ? b.items : [];
  return (list as Array<{ content?: unknown }>).map((m) => String(m?.content ?? ''));
}

function pickPair(): [number, number] {
  const all = users();
  for (let i = FIRST_USER; i + 1 < all.length; i++) {
    const a = all[i]!;
    for (let j = i + 1; j < all.length && j < i + 20; j++) {
      if (a.characters.length === 0 || sorted(a.characters) !== sorted(all[j]!.characters)) return [i, j];
    }
  }
  return [FIRST_USER, FIRST_USER + 1];
}

describe('R11 no user is served another user’s entry', () => {
  test(`${ROUNDS} rounds, two users alternately on both workers, cold then warm`, { timeout: 300_000 }, async () => {
    const [u1, u2] = workers();
    const nonce = Date.now().toString(36);
    const pair = pickPair();
    const readers: Reader[] = [];
    for (const [n, index] of pair.entries()) {
      const { client, user } = await userSession(index, u1);
      const label = n === 0 ? 'A' : 'B';
      readers.push({
        label,
        uid: await uidOf(client),
        clients: [client, client.on(u2)],
        profile: `r11-${nonce}-${label}`,
        roles: user.characters,
        chatRole: '',
        marker: `r11 message of ${label} ${nonce}`,
      });
    }
    const [a, b] = readers as [Reader, Reader];
    const globs = (r: Reader): string[] => keyProfile().userGlobs(r.uid);
    // distinct settings per user, the characters from the users file (else each user's own read with entries emptied)
    for (const r of readers) {
      expect((await r.clients[0].put('/api/me/settings', { profile: r.profile })).status).toBe(200);
      if (r.roles.length === 0) {
        await deleteGlobs(redis, globs(r));
        const first = await r.clients[0].get<{ items?: Array<{ role: string }> }>('/api/characters');
        r.roles = (first.body?.items ?? []).map((i) => i.role);
        rec.note(`user ${r.label}: the users file lists no characters; its own first list read is the reference`);
      }
    }
    expect(sorted(a.roles), 'the two users have different characters').not.toBe(sorted(b.roles));
    // a role both users have, where there is one (a key without the user id collides there), else each one's first
    const shared = a.roles.find((role) => b.roles.includes(role));
    for (const r of readers) r.chatRole = shared ?? r.roles[0] ?? '';
    for (const r of readers) {
      if (!r.chatRole) continue;
      await r.clients[0].post(`/api/chat/${seg(r.chatRole)}/messages`, { content: r.marker });
    }
    rec.figure('character both users have (chat reads)', shared ?? 'none: each its own', '', '', null);
    // the chat kind is judged only where the messages route shows each user its own message at all (a route of
    // another shape would otherwise read as a foreign answer)
    for (const r of readers) {
      if (!r.chatRole) continue;
      const probe = await r.clients[0].get(`/api/chat/${seg(r.chatRole)}/messages?limit=200`);
      if (!contentsOf(probe.body).includes(r.marker)) {
        rec.note(
          `user ${r.label}: GET /api/chat/{role}/messages answered ${probe.status} without its own message: chat reads not judged`,
        );
        for (const x of readers) x.chatRole = '';
      }
    }

    const wrong: string[] = [];
    const counts = { settings: 0, list: 0, chat: 0 };
    const readAll = async (r: Reader, worker: 0 | 1, phase: string): Promise<void> => {
      const other = r === a ? b : a;
      const c = r.clients[worker];
      const where = `${phase}, user ${r.label} on worker ${worker + 1}`;
      const s = await c.get<{ settings?: { profile?: string } }>('/api/me/settings');
      counts.settings++;
      const profile = s.body?.settings?.profile;
      if (s.status !== 200 || profile !== r.profile)
        wrong.push(
          `${where}: settings ${s.status} profile ${JSON.stringify(profile)}${profile === other.profile ? ` (user ${other.label}'s)` : ''}`,
        );
      const l = await c.get<{ items?: Array<{ role: string }> }>('/api/characters');
      counts.list++;
      const got = sorted((l.body?.items ?? []).map((i) => i.role));
      if (l.status !== 200 || got !== sorted(r.roles))
        wrong.push(
          `${where}: list ${l.status} ${got.slice(0, 120)}${got === sorted(other.roles) ? ` (user ${other.label}'s)` : ''}`,
        );
      if (r.chatRole) {
        const m = await c.get(`/api/chat/${seg(r.chatRole)}/messages?limit=200`);
        counts.chat++;
        const contents = contentsOf(m.body);
        if (m.status !== 200 || !contents.includes(r.marker) || contents.includes(other.marker))
          wrong.push(
            `${where}: messages of ${r.chatRole} ${m.status}: own message ${contents.includes(r.marker) ? 'present' : 'missing'}, user ${other.label}'s ${contents.includes(other.marker) ? 'PRESENT' : 'absent'}`,
          );
      }
    };
    let foreignKeys = 0;
    const order: Array<[Reader, 0 | 1]> = [
      [a, 0],
      [b, 1],
      [a, 1],
      [b, 0],
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const r of readers) await deleteGlobs(redis, globs(r));
      for (const [r, w] of order) await readAll(r, w, `round ${round} cold`);
      // the entries the reads filled: each user's settings and list under a key naming that user
      for (const r of readers) {
        const own = [keyProfile().settings(r.uid), keyProfile().list(r.uid)];
        const present = await Promise.all(own.map((k) => redis.exists(k)));
        for (const [i, p] of present.entries()) {
          if (p !== 1) {
            foreignKeys++;
            if (foreignKeys <= 5)
              rec.note(
                `round ${round}: user ${r.label} was answered but ${own[i]} (its own key) was not filled: the answer came from an entry under no user's id`,
              );
          }
        }
      }
      for (const [r, w] of order) await readAll(r, w, `round ${round} warm`);
    }
    for (const w of wrong.slice(0, 10)) rec.note(w);
    const total = counts.settings + counts.list + counts.chat;
    const ok = rec.figure(
      'answers belonging to another user or wrong',
      wrong.length,
      `of ${total}`,
      '= 0',
      wrong.length === 0,
    );
    rec.figure(
      'reads (settings, list, chat messages)',
      `${counts.settings}, ${counts.list}, ${counts.chat}`,
      '',
      '',
      null,
    );
    const keysOk = rec.figure(
      "cold reads not filling the user's own settings/list key",
      foreignKeys,
      '',
      '= 0',
      foreignKeys === 0,
    );
    rec.headline('answers belonging to another user or wrong');
    expect(ok && keysOk).toBe(true);
  });
});
