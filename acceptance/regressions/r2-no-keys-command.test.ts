/**
 * FastNPC defect 2: delete_pattern used KEYS, which blocks Redis on a large keyspace. Pattern deletes through the
 * admin route must run SCAN (+ UNLINK) and never KEYS: counted by Redis itself in INFO commandstats.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { recorder } from '../support/record.ts';
import { adminRedis, commandCalls } from '../support/redis.ts';
import { adminSession, userSession } from '../support/target.ts';

const rec = recorder('R2');
const redis = adminRedis();
afterAll(() => redis.quit());

describe('R2 pattern delete without KEYS', () => {
  test('POST /admin/cache/clear?pattern= scans, never KEYS', async () => {
    const { client } = await userSession(4);
    await client.get('/api/characters'); // at least one char_list entry exists
    const admin = await adminSession();
    const keysBefore = await commandCalls(redis, 'keys');
    const scanBefore = await commandCalls(redis, 'scan');
    const clear = await admin.post<{ deleted?: number }>(
      `/admin/cache/clear?pattern=${encodeURIComponent('char_list:*')}`,
    );
    expect(clear.status, clear.text).toBe(200);
    const keysAfter = await commandCalls(redis, 'keys');
    const scanAfter = await commandCalls(redis, 'scan');
    rec.figure('entries deleted by the pattern', clear.body?.deleted ?? 'n/a', '', '', null);
    const noKeys = rec.figure(
      'KEYS calls during the pattern delete',
      keysAfter - keysBefore,
      'KEYS calls',
      '= 0',
      keysAfter === keysBefore,
    );
    // our own INFO calls are not SCANs; the delete must have scanned at least once
    const scanned = rec.figure(
      'SCAN calls during the pattern delete',
      scanAfter - scanBefore,
      '',
      '>= 1',
      scanAfter > scanBefore,
    );
    expect(noKeys && scanned).toBe(true);
  });
});
