/**
 * Criterion 4 — character-profile cache: after a write invalidated a profile, the first read loads it from
 * PostgreSQL and the second read is a cache hit that sends no DB statement. The figure is the speed-up (median
 * first read / median second read) over 20 rounds.
 */
import { describe, expect, test } from 'vitest';
import { seg } from './support/http.ts';
import { recorder } from './support/record.ts';
import { median, round } from './support/stats.ts';
import { userSession, workers } from './support/target.ts';

const rec = recorder('04');
const ROUNDS = 20;

describe('04 character-profile cache', () => {
  test(`second read is a hit with no DB statement (${ROUNDS} rounds)`, async () => {
    const { client, user } = await userSession(2, workers()[0]);
    const role = user.characters[0];
    expect(role, 'seeded user 2 has a character').toBeDefined();
    const path = `/api/characters/${seg(role as string)}`;
    const memories = await client.get<{ short_term: string[]; long_term: string[] }>(`${path}/memories`);
    expect(memories.status).toBe(200);

    const firsts: number[] = [];
    const seconds: number[] = [];
    let hitSeconds = 0;
    let missFirsts = 0;
    let statementsFirst = 0;
    let statementsSecond = 0;
    let headers = true;
    for (let i = 0; i < ROUNDS; i++) {
      // Saving the memories (unchanged) is a write path that invalidates the profile (plan step 10).
      const save = await client.put(`${path}/memories`, memories.body);
      expect(save.status).toBe(200);
      const first = await client.get(`${path}/structured`);
      const second = await client.get(`${path}/structured`);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      firsts.push(first.ms);
      seconds.push(second.ms);
      if (second.cache === undefined) headers = false;
      const profileSecond = second.cacheDetail.profile ?? second.cache;
      const profileFirst = first.cacheDetail.profile ?? first.cache;
      if (profileSecond === 'hit') hitSeconds++;
      if (profileFirst === 'miss') missFirsts++;
      statementsFirst += first.dbQueries ?? 0;
      statementsSecond += second.dbQueries ?? 0;
    }
    const speedUp = median(firsts) / median(seconds);
    rec.samples({ name: 'profile read after invalidation (DB)', unit: 'ms', values: firsts.map((v) => round(v, 4)) });
    rec.samples({ name: 'profile second read (cache)', unit: 'ms', values: seconds.map((v) => round(v, 4)) });
    const speedOk = rec.figure('speed-up of the second read (median)', round(speedUp, 2), 'x', '> 1 x', speedUp > 1);
    rec.figure('first read median', round(median(firsts)), 'ms', '', null);
    rec.figure('second read median', round(median(seconds)), 'ms', '', null);
    if (!headers) {
      rec.note('target sends no X-Cache/X-DB-Queries: hit and statement checks need our headers');
      expect(speedOk).toBe(true);
      return;
    }
    const hitOk = rec.figure(
      'second reads that were profile hits',
      `${hitSeconds}/${ROUNDS}`,
      '',
      'all',
      hitSeconds === ROUNDS,
    );
    const dbOk = rec.figure('DB statements of the second reads', statementsSecond, '', '= 0', statementsSecond === 0);
    rec.figure('first reads that loaded the profile', `${missFirsts}/${ROUNDS}`, '', 'all', missFirsts === ROUNDS);
    rec.figure('DB statements per first read (mean)', round(statementsFirst / ROUNDS, 1), '', '', null);
    expect(hitOk && dbOk && speedOk).toBe(true);
    expect(missFirsts).toBe(ROUNDS);
  });
});
