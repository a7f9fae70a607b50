import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyKey } from '../../../src/cache/internal-keys.ts';
import { programArgs } from '../../../src/service/programs.ts';
import { type ServiceFixture, startFixture } from '../service/setup.ts';

// A Redis stall while the invalidator applies a commit (issue 22): every command in flight times out, the session
// ends, and the apply still pending settles after the session was torn down. Before the fix that late rejection
// went to an `error` event nobody listened to any more and ended the process (exit 1, Node's raw stack); 9 of 9
// trials of a 5 s SIGSTOP did. Now the session ends with a structured log line and the next one replays.
const CLI = 'src/invalidator/cli.ts';
let fixture: ServiceFixture;
let invalidator: ChildProcess | undefined;
let redis: Redis;
let db: pg.Pool;

beforeAll(async () => {
  fixture = await startFixture({ seed: { users: 4, characters: 1, memories: 1 }, env: { FASTNPC_INVALIDATOR: 'off' } });
  redis = new Redis(fixture.stack.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  db = new pg.Pool({ connectionString: fixture.stack.databaseUrl, max: 4 });
});
afterAll(async () => {
  const pid = fixture?.stack.redis?.pid();
  if (pid) process.kill(pid, 'SIGCONT');
  invalidator?.kill('SIGTERM');
  redis?.disconnect();
  await db?.end();
  await fixture?.stop();
});

async function caughtUp(): Promise<number> {
  return Number((await redis.hget(consistencyKey('fastnpc'), 'caught_up_seq')) ?? 0);
}

describe('invalidator: a Redis stall mid-apply ends the session, not the process', () => {
  it('5 s SIGSTOP of Redis under a stream of commits: no exit, structured log lines, caught up again after', async () => {
    const redisPid = fixture.stack.redis?.pid();
    expect(redisPid, 'the private redis-server').toBeTypeOf('number');
    invalidator = spawn(process.execPath, programArgs(CLI, ['--profile', 'reference']), {
      env: { ...process.env, DATABASE_URL: fixture.stack.databaseUrl, REDIS_URL: fixture.stack.redisUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    invalidator.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    invalidator.once('exit', (code, signal) => {
      exit = { code, signal };
    });
    const deadline = Date.now() + 30_000;
    while ((await caughtUp()) === 0) {
      if (Date.now() > deadline || exit) throw new Error(`invalidator did not start:\n${log}`);
      await sleep(100);
    }
    await db.query(
      'INSERT INTO user_settings (user_id, updated_at) SELECT id, 0 FROM users ON CONFLICT (user_id) DO NOTHING',
    );
    const { rows } = await db.query<{ user_id: number }>('SELECT user_id FROM user_settings ORDER BY user_id');
    expect(rows.length).toBeGreaterThan(0);
    // commits straight into PostgreSQL (no service, no synchronous delete): each one is an apply in the invalidator
    let writing = true;
    let held = false;
    let commits = 0;
    const writers = rows.map(async ({ user_id }) => {
      while (writing) {
        if (held) {
          await sleep(20);
          continue;
        }
        await db.query('UPDATE user_settings SET ctx_max_chat = $2, updated_at = $3 WHERE user_id = $1', [
          user_id,
          50 + (commits % 4_000),
          Date.now(),
        ]);
        commits += 1;
      }
    });
    try {
      await sleep(1_000);
      const before = await caughtUp();
      // The stall starts while the stream is idle: the invalidator's next tick look (every 100 ms) is the first
      // command to hang, the commits written 400 ms into the stall are applies issued after it. The tick's command
      // times out first and ends the session; the applies are still pending when it is torn down.
      held = true;
      await sleep(300);
      process.kill(redisPid!, 'SIGSTOP');
      await sleep(400);
      held = false;
      await sleep(4_600);
      process.kill(redisPid!, 'SIGCONT');
      // the stalled session's commands time out (2 s), its apply settles after the teardown, a new session starts
      const after = Date.now() + 15_000;
      while (Date.now() < after && !exit && (await caughtUp()) <= before) await sleep(200);
      await sleep(3_000);
      expect(exit, `the invalidator exited:\n${log.slice(-3_000)}`).toBeUndefined();
      expect(await caughtUp()).toBeGreaterThan(before);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    console.log(`[figures] ${commits} commits written during the run`);
    const lines = log.split('\n').filter((line) => line.trim() !== '');
    // every line the invalidator wrote is one JSON object: no raw stack trace
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => /session ended/.test(line))).toBe(true);
  }, 90_000);
});
