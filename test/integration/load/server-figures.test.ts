// The server-side figures the load runner merges into a k6 summary when a target sends no X-Cache / X-DB-Queries:
// measured here against a private redis-server and PostgreSQL with a known number of hits, misses and statements.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCounters, serverFigures } from '../../../src/load/server-figures.ts';
import {
  type StartedPostgres,
  type StartedRedisServer,
  startPostgres,
  startRedisServer,
} from '../../../src/stack/index.ts';

let redis: StartedRedisServer;
let postgres: StartedPostgres;
beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedisServer(), startPostgres()]);
});
afterAll(async () => {
  await Promise.allSettled([redis?.stop(), postgres?.stop()]);
});

describe('server-side hit rate and statements', () => {
  it('counts exactly the hits, misses and statements between the two readings', async () => {
    expect(postgres.statStatements).toBe(true);
    const endpoints = { redisUrl: redis.url, databaseUrl: postgres.url };
    const client = new Redis(redis.url);
    await client.set('k', 'v');
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const before = await readCounters(endpoints);
    for (let i = 0; i < 9; i++) await client.get('k');
    await client.get('missing');
    for (let i = 0; i < 5; i++) await db.query('SELECT $1::int AS n', [i]);
    const after = await readCounters(endpoints);
    client.disconnect();
    await db.end();
    const figures = serverFigures(before, after);
    expect(figures).toMatchObject({ keyspaceHits: 9, keyspaceMisses: 1, cacheHitRate: 0.9, notes: [] });
    expect(figures.dbStatements).toBe(5);
  });
  it('control: nothing in between is no figure, not a 100 % hit rate', async () => {
    const endpoints = { redisUrl: redis.url, databaseUrl: postgres.url };
    const figures = serverFigures(await readCounters(endpoints), await readCounters(endpoints));
    expect(figures.cacheHitRate).toBeNull();
    expect(figures.dbStatements).toBe(0);
  });
});
