/**
 * Criterion 5 — character-list cache: the second read of GET /api/characters is a hit with no DB statement, the
 * entry carries the list TTL, and once the TTL has passed the next read loads it again. The local target runs the
 * service with CACHE_TTL_LIST_SECONDS shortened (2 s instead of the plan's 60 s) so the expiry is watched for real.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { setting } from './config.ts';
import { keyProfile } from './support/observe.ts';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { round, sleep } from './support/stats.ts';
import { target, userSession, workers } from './support/target.ts';

const rec = recorder('05');
const ROUNDS = 3;
const redis = adminRedis();
afterAll(() => redis.quit());

/** Longest TTL this suite waits out; an external target with the plan's 60 s can opt in with ACCEPTANCE_WAIT_TTL=1. */
const MAX_WAIT_SECONDS = 10;

describe('05 character-list cache', () => {
  test('second read is a hit; the entry expires after its TTL', async () => {
    const { client } = await userSession(3, workers()[0]);
    const me = await client.get<{ id: number }>('/auth/me');
    const uid = me.body.id;
    const ttl = target().listTtlSeconds;
    const canWait = ttl <= MAX_WAIT_SECONDS || setting('ACCEPTANCE_WAIT_TTL');
    rec.figure('list TTL of this target', ttl, 's', '', null);

    // The entry under the target's key profile (plan: char_list:{uid}; reference: fastnpc:char_list:{uid}).
    const candidates = [keyProfile().list(uid)];
    const pttlOf = async (): Promise<number> => {
      for (const key of candidates) {
        const pttl = await redis.pttl(key);
        if (pttl !== -2) return pttl;
      }
      return -2;
    };

    let hits = 0;
    let expiredMisses = 0;
    let secondStatements = 0;
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    let headers = true;
    let maxPttl = -2;
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      const first = await client.get<{ items: unknown[] }>('/api/characters');
      const second = await client.get<{ items: unknown[] }>('/api/characters');
      expect(first.status).toBe(200);
      expect(second.body).toEqual(first.body);
      firstMs.push(first.ms);
      secondMs.push(second.ms);
      if (second.cache === undefined) headers = false;
      if ((second.cacheDetail.list ?? second.cache) === 'hit') hits++;
      secondStatements += second.dbQueries ?? 0;
      const pttl = await pttlOf();
      maxPttl = Math.max(maxPttl, pttl);
      if (round_ > 0 && (first.cacheDetail.list ?? first.cache) === 'miss') expiredMisses++;
      if (!canWait) break;
      await sleep(ttl * 1000 + 600);
      // after the TTL, the key is gone from Redis itself
      const after = await pttlOf();
      if (after !== -2) rec.note(`round ${round_}: key still present ${after} ms after the TTL`);
    }
    const rounds = canWait ? ROUNDS : 1;
    rec.samples({ name: 'list second read (cache)', unit: 'ms', values: secondMs.map((v) => round(v, 4)) });
    rec.figure(
      'first read median',
      round(firstMs.sort((a, b) => a - b)[Math.floor(firstMs.length / 2)] ?? 0),
      'ms',
      '',
      null,
    );
    rec.figure(
      'second read median',
      round(secondMs.sort((a, b) => a - b)[Math.floor(secondMs.length / 2)] ?? 0),
      'ms',
      '',
      null,
    );
    const ttlOk = rec.figure(
      'PTTL of the cached list entry',
      maxPttl,
      'ms',
      `0 < PTTL <= ${ttl * 1000}`,
      maxPttl > 0 && maxPttl <= ttl * 1000,
    );
    if (!headers) {
      rec.note('target sends no X-Cache: hit status checked through the entry in Redis only');
      expect(ttlOk).toBe(true);
      return;
    }
    const hitOk = rec.figure('second reads that were list hits', `${hits}/${rounds}`, '', 'all', hits === rounds);
    const dbOk = rec.figure('DB statements of the second reads', secondStatements, '', '= 0', secondStatements === 0);
    let expiryOk = true;
    if (canWait) {
      expiryOk = rec.figure(
        'reads after the TTL that reloaded',
        `${expiredMisses}/${ROUNDS - 1}`,
        '',
        'all',
        expiredMisses === ROUNDS - 1,
      );
    } else {
      rec.note(`TTL ${ttl} s not waited out (set ACCEPTANCE_WAIT_TTL=1 to wait); PTTL checked instead`);
    }
    rec.figure(
      'list cache',
      `${hits}/${rounds} second reads hit${canWait ? `, ${expiredMisses}/${ROUNDS - 1} reloaded after the ${ttl} s TTL` : ''}`,
      '',
      canWait ? 'all hit, all expire' : 'all hit',
      hitOk && dbOk && ttlOk && expiryOk,
    );
    rec.headline('list cache');
    expect(hitOk && dbOk && ttlOk && expiryOk).toBe(true);
  });
});
