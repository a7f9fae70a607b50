/**
 * FastNPC defect 3: PUT /api/characters/{role}/structured did not invalidate char_profile (stale for up to 300 s).
 * The profile is cached on both workers, updated on worker 1, and read right away on both.
 */
import { describe, expect, test } from 'vitest';
import { REGRESSIONS } from '../../src/gate/verdict.ts';
import { seg } from '../support/http.ts';
import { recorder } from '../support/record.ts';
import { userSession, workers } from '../support/target.ts';

const rec = recorder('R3', REGRESSIONS[2]!.title);
type Structured = Record<string, Record<string, unknown>>;

describe('R3 structured update invalidates the profile', () => {
  test('updated on worker 1, read at once on both workers', async () => {
    const [u1, u2] = workers();
    const { client: w1, user } = await userSession(6, u1);
    const w2 = w1.on(u2);
    const path = `/api/characters/${seg(user.characters[0] as string)}/structured`;
    let stale = 0;
    const ROUNDS = 5;
    for (let i = 0; i < ROUNDS; i++) {
      for (const c of [w1, w2]) {
        await c.get(path);
        await c.get(path);
      }
      const current = (await w1.get<Structured>(path)).body;
      const occupation = `职业-${i}-${Math.random().toString(36).slice(2, 7)}`;
      const put = await w1.put(path, {
        ...current,
        基础身份信息: { ...(current.基础身份信息 ?? {}), 职业: occupation },
      });
      expect(put.status, put.text).toBe(200);
      for (const c of [w1, w2]) {
        const got = await c.get<Structured>(path);
        if (got.body?.基础身份信息?.职业 !== occupation) stale++;
      }
    }
    expect(rec.figure('stale profile reads after a structured update', stale, 'stale reads', '= 0', stale === 0)).toBe(
      true,
    );
    rec.figure('rounds × workers', ROUNDS * 2, '', '', null);
  });
});
