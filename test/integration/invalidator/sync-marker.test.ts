import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncInvalidationKey } from '../../../src/cache/internal-keys.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type RunningInvalidator, startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { PLAN_PROFILE } from '../../../src/invalidator/profiles.ts';
import { connectRedis, type RedisClient } from '../../../src/redis/connect.ts';
import type { RedisTopology } from '../../../src/redis/topology.ts';
import { createDatabase, currentXid } from '../../../src/service/db.ts';
import { migrate } from '../../../src/service/store/migrations.ts';
import {
  type StartedLocalStack,
  type StartedRedisCluster,
  startLocalStack,
  startRedisCluster,
} from '../../../src/stack/index.ts';
import { testCache } from '../cache/helpers.ts';

// The sync-invalidation marker (docs/invalidation.md): one transaction updates the settings of two users; the
// service "deleted and marked" only the first user's entry, which a read has refilled with the new value already.
// Applying the transaction, the invalidator leaves the marked entry in place (no lost hit after the write) and
// still deletes the unmarked one (a write path that forgot a key stays closed). Control: no marker, both go.
// On one Redis (the APPLY script checks the marker) and on a Cluster (the marker is read before the per-entry deletes).

const NS = 'syncmark';
let stack: StartedLocalStack;
let sql: pg.Client;

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  stack = await startLocalStack({ redis: false });
  const db = createDatabase({ connectionString: stack.databaseUrl, max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  sql = new pg.Client({ connectionString: stack.databaseUrl });
  await sql.connect();
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await stack?.stop();
});

/**
 * Two users with settings; one transaction updates both. Before it commits (so the invalidator cannot apply it
 * first) both entries hold the new value, as reads right after the write would have refilled them, and — when
 * `mark` — the first user's key is in the transaction's marker. Returns what is left once it was applied.
 */
async function updateBoth(lab: Lab, tag: string, mark: boolean) {
  const { redis, cache, invalidator } = lab;
  // counted before the inserts commit: the invalidator may apply the first before the second is sent
  const before = invalidator.status().transactions;
  const { rows } = await sql.query<{ id: number }>(
    "INSERT INTO users (username, password_hash, created_at) VALUES ($1, 'x', 0), ($2, 'x', 0) RETURNING id",
    [`${tag}-marked`, `${tag}-unmarked`],
  );
  const [marked, unmarked] = rows.map((r) => r.id) as [number, number];
  await sql.query('INSERT INTO user_settings (user_id, updated_at) VALUES ($1, 0), ($2, 0)', [marked, unmarked]);
  await until('the inserts applied', 30_000, () => invalidator.status().transactions >= before + 2);

  await sql.query('BEGIN');
  await sql.query('UPDATE user_settings SET updated_at = 1 WHERE user_id = ANY($1)', [[marked, unmarked]]);
  const xid = await currentXid(sql);
  if (mark) {
    await cache.invalidate(`user_settings:${marked}`);
    expect(await cache.markInvalidated?.(xid, [`user_settings:${marked}`])).toBe(true);
  }
  await redis.set(`${NS}:user_settings:${marked}`, 'new');
  await redis.set(`${NS}:user_settings:${unmarked}`, 'new');
  const applied = invalidator.status().transactions;
  const kept = invalidator.status().keysKept;
  await sql.query('COMMIT');
  await until('the update applied', 30_000, () => invalidator.status().transactions >= applied + 1);
  return {
    marked: await redis.get(`${NS}:user_settings:${marked}`),
    unmarked: await redis.get(`${NS}:user_settings:${unmarked}`),
    marker: await redis.exists(syncInvalidationKey(NS, xid)),
    kept: invalidator.status().keysKept - kept,
  };
}

interface Lab {
  redis: RedisClient;
  cache: Cache;
  invalidator: RunningInvalidator;
  stop(): Promise<void>;
}

async function startLab(kind: 'single' | 'cluster'): Promise<Lab> {
  let cluster: StartedRedisCluster | undefined;
  let redisStack: StartedLocalStack | undefined;
  let topology: RedisTopology;
  if (kind === 'cluster') {
    cluster = await startRedisCluster();
    topology = { kind: 'cluster', nodes: [...cluster.startupNodes] };
  } else {
    redisStack = await startLocalStack({ postgres: false });
    topology = { kind: 'single', url: redisStack.redisUrl };
  }
  const redis = connectRedis(topology);
  const cache = testCache('', { redis: topology, namespace: NS });
  const invalidator = startInvalidator({
    databaseUrl: stack.databaseUrl,
    redis: topology,
    profile: PLAN_PROFILE,
    namespace: NS,
    slot: `${NS}_${kind}`,
  });
  await until('the invalidator streaming', 60_000, () => invalidator.status().sessions >= 1);
  return {
    redis,
    cache,
    invalidator,
    stop: async () => {
      await invalidator.stop();
      await cache.close();
      redis.disconnect();
      await cluster?.stop();
      await redisStack?.stop();
    },
  };
}

describe.each(['single', 'cluster'] as const)(
  'on %s Redis: the invalidator and the sync-invalidation marker',
  (kind) => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await startLab(kind);
    }, 120_000);
    afterAll(async () => {
      await lab?.stop();
    });

    it('leaves the entries the service marked for that transaction and deletes the others; drops the marker', async () => {
      expect(await updateBoth(lab, `${kind}-with`, true)).toEqual({
        marked: 'new',
        unmarked: null,
        marker: 0,
        kept: 1,
      });
    });

    it('control: without a marker every entry of the transaction is deleted', async () => {
      expect(await updateBoth(lab, `${kind}-without`, false)).toEqual({
        marked: null,
        unmarked: null,
        marker: 0,
        kept: 0,
      });
    });

    it('the marker is written only after a confirmed invalidation, for valid keys and a numeric xid, with a TTL', async () => {
      const { cache, redis } = lab;
      await cache.invalidate('user_settings:1');
      expect(await cache.markInvalidated?.('12345', ['user_settings:1'])).toBe(true);
      const ttl = await redis.ttl(syncInvalidationKey(NS, '12345'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
      expect(await cache.markInvalidated?.('12346', ['user_settings:1'])).toBe(false); // vouched for once
      await cache.invalidate('user_settings:2');
      expect(await cache.markInvalidated?.('not-a-xid', ['user_settings:2'])).toBe(false);
      expect(await cache.markInvalidated?.('12347', ['user_settings:9'])).toBe(false); // never invalidated
      expect(await cache.markInvalidated?.('12348', ['__cache__:consistency'])).toBe(false);
      for (const xid of ['12346', '12347', '12348']) expect(await redis.exists(syncInvalidationKey(NS, xid))).toBe(0);
    });

    // On a Cluster a node's socket closing and reconnecting raises no event on the client (only a lost node does).
    it.runIf(kind === 'single')('no marker when the connection closed between the delete and the marker', async () => {
      const { cache, redis } = lab;
      await cache.invalidate('user_settings:3');
      await redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'); // the cache's (and the invalidator's)
      await until('the cache reconnected', 10_000, () => cache.ping());
      expect(await cache.markInvalidated?.('12349', ['user_settings:3'])).toBe(false);
      expect(await redis.exists(syncInvalidationKey(NS, '12349'))).toBe(0);
      // control: the same without the close is marked
      await cache.invalidate('user_settings:3');
      expect(await cache.markInvalidated?.('12350', ['user_settings:3'])).toBe(true);
    });
  },
);
