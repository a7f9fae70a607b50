/**
 * FastNPC defect 3: PUT /api/characters/{role}/structured did not invalidate char_profile, so the next chat built its
 * prompt from the old profile for up to 300 s. Observed where the app uses the entry: a chat on each worker fills
 * `char_profile:{uid}:{role}`; after the update (a marker in 基础身份信息.职业) is acknowledged, the entry in Redis
 * must be gone or hold the marker, after one more chat on each worker too; the structured profile read back on both
 * workers must carry the marker. The original profile is written back at the end.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { seg } from '../support/http.ts';
import { findEntry, keyProfile, uidOf } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis } from '../support/redis.ts';
import { userSession, workers } from '../support/target.ts';

const rec = recorder('R3');
type Structured = Record<string, Record<string, unknown>>;
const ROUNDS = 5;
const redis = adminRedis();
afterAll(() => redis.disconnect());

describe('R3 structured update invalidates the profile', () => {
  test('chat-filled char_profile holds no value older than the acknowledged update', async () => {
    const [u1, u2] = workers();
    const { client: w1, user } = await userSession(6, u1);
    const w2 = w1.on(u2);
    const role = user.characters[0] as string;
    const uid = await uidOf(w1);
    const candidates = keyProfile().profile(uid, role);
    const path = `/api/characters/${seg(role)}/structured`;
    const original = await w1.get<Structured>(path);
    expect(original.status, original.text.slice(0, 200)).toBe(200);
    let staleEntries = 0;
    let staleReads = 0;
    let entriesSeen = 0;
    try {
      for (let i = 0; i < ROUNDS; i++) {
        for (const c of [w1, w2]) {
          const r = await c.post(`/api/chat/${seg(role)}/messages`, { content: `R3 round ${i}` });
          expect(r.status, r.text.slice(0, 200)).toBe(200);
        }
        if (await findEntry(redis, candidates)) entriesSeen++;
        const marker = `r3mark${i}x${Math.random().toString(36).slice(2, 8)}`; // ASCII: found in any JSON encoding
        const current = (await w1.get<Structured>(path)).body;
        const put = await w1.put(path, { ...current, 基础身份信息: { ...(current.基础身份信息 ?? {}), 职业: marker } });
        expect(put.status, put.text.slice(0, 200)).toBe(200);
        const holdsOld = async (): Promise<boolean> => {
          const entry = await findEntry(redis, candidates);
          return entry !== undefined && !entry.value.includes(marker);
        };
        if (await holdsOld()) staleEntries++;
        for (const c of [w1, w2]) {
          await c.post(`/api/chat/${seg(role)}/messages`, { content: `R3 after ${i}` });
          if (await holdsOld()) staleEntries++;
          const s = await c.get<Structured>(path);
          if (s.body?.基础身份信息?.职业 !== marker) staleReads++;
        }
      }
    } finally {
      await w1.put(path, original.body);
    }
    rec.figure('rounds in which a chat had filled char_profile', `${entriesSeen}/${ROUNDS}`, '', '', null);
    const ok = rec.figure(
      'char_profile entries holding the pre-update profile',
      staleEntries,
      'stale entries',
      '= 0',
      staleEntries === 0,
    );
    const readsOk = rec.figure(
      'structured reads without the update (both workers)',
      staleReads,
      '',
      '= 0',
      staleReads === 0,
    );
    if (entriesSeen === 0) rec.note('no chat filled char_profile under this profile: only the content was checked');
    expect(ok && readsOk).toBe(true);
  });
});
