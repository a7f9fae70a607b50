import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyKey } from '../../../src/cache/internal-keys.ts';
import { type RunningInvalidator, startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { keysFor, PROFILES } from '../../../src/invalidator/profiles.ts';
import { type ServiceFixture, startFixture } from '../service/setup.ts';

// Replay of a backlog (issue 22): commits written while no invalidator ran (as during a Redis stall: their
// synchronous deletes failed) are applied when it starts again — in batches, one script call for many commits, each
// key once. Side by side in one run: the same backlog replayed with batches of one commit (the design before), for
// the rate ratio. Then a restart with nothing new: the commits this Redis already holds are decoded, not applied
// again (the slot replays from its acknowledged position, which waits for an RDB save).
const BACKLOG = 1_500;
let fixture: ServiceFixture;
let redis: Redis;
let db: pg.Pool;
let running: RunningInvalidator | undefined;
let users: { id: number; character: number; name: string }[] = [];

beforeAll(async () => {
  fixture = await startFixture({ seed: { users: 6, characters: 1, memories: 1 }, env: { FASTNPC_INVALIDATOR: 'off' } });
  redis = new Redis(fixture.stack.redisUrl, { maxRetriesPerRequest: 1 });
  db = new pg.Pool({ connectionString: fixture.stack.databaseUrl, max: 6 });
  await db.query('INSERT INTO user_settings (user_id, updated_at) SELECT id, 0 FROM users ON CONFLICT DO NOTHING');
  const { rows } = await db.query<{ user_id: number; id: number; name: string }>(
    'SELECT DISTINCT ON (user_id) user_id, id, name FROM characters ORDER BY user_id, id',
  );
  users = rows.map((r) => ({ id: r.user_id, character: r.id, name: r.name }));
});
afterAll(async () => {
  await running?.stop();
  redis?.disconnect();
  await db?.end();
  await fixture?.stop();
});

const start = (batchTransactions?: number): RunningInvalidator =>
  startInvalidator({
    databaseUrl: fixture.stack.databaseUrl,
    redisUrl: fixture.stack.redisUrl,
    profile: PROFILES.reference!,
    ...(batchTransactions === undefined ? {} : { batchTransactions }),
  });

async function until(what: string, done: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** The cache entries the backlog's commits map to: what the replay must delete. */
const affected = (): string[] =>
  users.flatMap((u) => [
    ...keysFor(['settings'], u.id, undefined),
    ...keysFor(['char_id', 'profile', 'list'], u.id, u.name),
  ]);
const plant = async (): Promise<void> => {
  for (const key of affected()) await redis.set(`fastnpc:${key}`, 'planted');
};
const planted = async (): Promise<number> =>
  (await Promise.all(affected().map((key) => redis.exists(`fastnpc:${key}`)))).reduce((a, b) => a + b, 0);

/** `count` commits, alternating a settings write and a two-table character write (a multi-key commit). */
async function writeBacklog(count: number): Promise<void> {
  let n = 0;
  await Promise.all(
    users.map(async (u, i) => {
      for (let k = i; k < count; k += users.length) {
        if (Math.floor(k / users.length) % 2 === 0) {
          await db.query('UPDATE user_settings SET ctx_max_chat = $2, updated_at = $3 WHERE user_id = $1', [
            u.id,
            50 + (k % 4_000),
            Date.now(),
          ]);
        } else {
          const client = await db.connect();
          try {
            await client.query('BEGIN');
            await client.query('UPDATE characters SET updated_at = $2 WHERE id = $1', [u.character, Date.now()]);
            await client.query(
              "INSERT INTO character_memories (character_id, memory_type, content, created_at) VALUES ($1, 'short_term', $2, $3)",
              [u.character, `m${k}`, Date.now()],
            );
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        }
        n += 1;
      }
    }),
  );
  expect(n).toBe(count);
}

/**
 * Starts an invalidator on the backlog; returns ms from its first applied commit until it applied `count` (the
 * session's start — slot checks, REPLICA IDENTITY, the replication connection — is not the replay), and its status.
 */
async function replay(count: number, batchTransactions?: number) {
  running = start(batchTransactions);
  const invalidator = running;
  await until('first commit applied', () => invalidator.status().transactions > 0, 60_000);
  const began = performance.now();
  const already = invalidator.status().transactions;
  await until('backlog applied', () => invalidator.status().transactions >= count);
  const ms = (performance.now() - began) * (count / Math.max(1, count - already));
  const status = invalidator.status();
  await invalidator.stop();
  running = undefined;
  return { ms, status };
}

describe('invalidator: a backlog is replayed in batches', () => {
  it(`${BACKLOG} commits: applied in batches, every affected entry deleted (rate reported beside one commit per call)`, async () => {
    // a first session: slot created, namespace verified
    running = start();
    const first = running;
    await until('first session', async () => (await redis.hget(consistencyKey('fastnpc'), 'caught_up_seq')) !== null);
    await first.stop();
    running = undefined;

    const rounds: { label: string; ms: number; transactions: number; batches: number; keys: number }[] = [];
    for (const [label, batch] of [
      ['one commit per script call (before)', 1],
      ['batched (default)', undefined],
    ] as const) {
      await writeBacklog(BACKLOG);
      await plant();
      const { ms, status } = await replay(BACKLOG, batch);
      const left = (
        await Promise.all(affected().map(async (k) => ((await redis.exists(`fastnpc:${k}`)) ? k : '')))
      ).filter(Boolean);
      expect(left, `${label}: every affected entry deleted`).toEqual([]);
      // the earlier rounds' commits are still in the slot (it is acknowledged only once an RDB save holds them),
      // but the stream starts at the marker's position: PostgreSQL does not even send them
      expect(status.transactionsSkipped).toBe(0);
      rounds.push({ label, ms, transactions: status.transactions, batches: status.batches, keys: status.keysDeleted });
    }
    for (const r of rounds) {
      console.log(
        `[figures] replay of ${r.transactions} commits, ${r.label}: ${Math.round(r.ms)} ms, ` +
          `${r.batches} script calls, ${Math.round((r.transactions / r.ms) * 1_000)} commits/s, ` +
          `${Math.round((r.keys / r.ms) * 1_000)} keys deleted/s`,
      );
    }
    const [single, batched] = rounds;
    // batches form only while Redis is the slower side: here (one Redis, loopback) the stream's decoding mostly is
    expect(batched!.batches).toBeLessThan(batched!.transactions);
    expect(single!.batches).toBeGreaterThanOrEqual(single!.transactions);
  }, 300_000);

  it('a restart with nothing new: the commits the slot still holds but this Redis has are not applied again', async () => {
    const seq = async () => Number((await redis.hget(consistencyKey('fastnpc'), 'caught_up_seq')) ?? 0);
    const before = await seq();
    await plant();
    running = start();
    const invalidator = running;
    await until('caught up', async () => invalidator.status().sessions > 0 && (await seq()) > before);
    await sleep(500);
    const status = invalidator.status();
    const slot = await db.query<{ confirmed_flush_lsn: string }>(
      "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'fastnpc_invalidator'",
    );
    console.log(
      `[figures] restart: slot at ${slot.rows[0]?.confirmed_flush_lsn} (${2 * BACKLOG} commits behind), ` +
        `${status.transactionsSkipped} sent and skipped, ${status.transactions} applied`,
    );
    // the planted entries stay: no commit past what Redis holds, so nothing is deleted again
    expect(status.transactions).toBe(0);
    expect(await planted()).toBe(affected().length);
  }, 120_000);
});
