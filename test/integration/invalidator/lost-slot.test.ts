import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningInvalidator, startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { PROFILES } from '../../../src/invalidator/profiles.ts';
import { readSlot, slotName } from '../../../src/invalidator/slot.ts';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { programArgs } from '../../../src/service/programs.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { type Client, registerUser } from '../service/http.ts';

// The slot cannot take the database down (issue 22, item 7): the invalidator refuses an unlimited
// max_slot_wal_keep_size unless waived; with a small cap, an invalidator stopped under write load loses its slot
// (wal_status = lost) instead of filling the disk, and once started again it recreates the slot, empties the
// namespace (Redis is behind what the new slot can replay) and no read is stale after.
const CLI = 'src/invalidator/cli.ts';
const CAP_MB = 64;
const MAX_WAL_MB = 64;
const MB = 1024 * 1024;
let stack: StartedLocalStack;
let service: StartedService;
let db: pg.Pool;
let running: RunningInvalidator | undefined;

beforeAll(async () => {
  // the cap not on the command line (it would win over ALTER SYSTEM): each test sets its own
  stack = await startLocalStack({ postgresServer: { maxSlotWalKeepSize: null } });
  service = await startService({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    seed: { users: 1, characters: 1, memories: 1 },
    env: { FASTNPC_INVALIDATOR: 'off', LOG_LEVEL: 'error', CACHE_COMMAND_TIMEOUT_MS: '1000' },
  });
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  // an idle connection the server ends (57P01 while PostgreSQL stops or the invalidator restarts) is not this
  // test's subject, and unheard it kills the test process; the queries' own errors still reject
  db.on('error', () => {});
});
afterAll(async () => {
  await running?.stop();
  await db?.end();
  await service?.stop();
  await stack?.stop();
});

/** The CLI, ended by SIGTERM after `ms` if it is still running (a refusal exits at once). */
const cli = (env: NodeJS.ProcessEnv, ms = 60_000) =>
  spawnSync(process.execPath, programArgs(CLI, ['--profile', 'reference']), {
    env: { ...process.env, DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, ...env },
    encoding: 'utf8',
    timeout: ms,
    killSignal: 'SIGTERM',
  });

async function setting(name: string, value: string): Promise<void> {
  await db.query(`ALTER SYSTEM SET ${name} = '${value}'`);
  await db.query('SELECT pg_reload_conf()');
  await sleep(200);
}

async function walDirBytes(): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    'SELECT coalesce(sum(size), 0)::text AS bytes FROM pg_ls_waldir()',
  );
  return Number(rows[0]!.bytes);
}

describe('the slot cannot take the database down', () => {
  it('refuses max_slot_wal_keep_size = -1 (exit 2, message), starts under a waiver that says why', async () => {
    await setting('max_slot_wal_keep_size', '-1');
    try {
      const refused = cli({});
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/max_slot_wal_keep_size is -1 \(unlimited\)/);
      expect(refused.stderr).toMatch(/FASTNPC_INVALIDATOR_WAL_WAIVER/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      // waived: it starts (and runs until the time-out ends it)
      const waived = cli({ FASTNPC_INVALIDATOR_WAL_WAIVER: 'test: disk alarm pages the on-call' }, 30_000);
      expect(waived.stderr).toMatch(/started under a waiver.*disk alarm pages the on-call/);
      expect(waived.stderr).toMatch(/"msg":"started"/);
    } finally {
      await setting('max_slot_wal_keep_size', `${CAP_MB}MB`);
    }
    const capped = cli({}, 30_000);
    expect(capped.stderr).toMatch(/slot WAL capped.*"max_slot_wal_keep_size":"64MB"/);
  }, 240_000);

  it(`cap ${CAP_MB} MB: the slot is lost under write load, WAL stays bounded; restarted, the namespace is emptied and no read is stale`, async () => {
    await setting('max_slot_wal_keep_size', `${CAP_MB}MB`);
    await setting('max_wal_size', `${MAX_WAL_MB}MB`);
    const slot = slotName('fastnpc');
    // the slot exists and is consumed, then the invalidator stops
    running = startInvalidator({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      profile: PROFILES.reference!,
    });
    const first = running;
    const ready = Date.now() + 30_000;
    while (first.status().sessions === 0 && Date.now() < ready) await sleep(100);
    expect(first.status().sessions).toBe(1);
    await first.stop();
    running = undefined;

    // entries cached through the service, then written behind its back (no synchronous delete): stale in Redis
    const users: Client[] = [];
    for (let i = 0; i < 4; i++) users.push(await registerUser(service.workerUrls[0]!, 'lost'));
    for (const user of users) {
      await user.put('/api/me/settings', { ctx_max_chat: 100 });
      await user.get('/api/me/settings');
      expect((await user.get('/api/me/settings')).headers.get('x-cache')).toBe('hit');
    }
    const value = async (user: Client): Promise<number> =>
      (await user.get('/api/me/settings')).body.settings.ctx_max_chat;
    await db.query('UPDATE user_settings SET ctx_max_chat = 777');
    const staleBefore = (await Promise.all(users.map(value))).filter((v) => v !== 777).length;
    expect(staleBefore, 'control: the entries are stale while no invalidator runs').toBe(users.length);

    // write load until the slot is lost: WAL far beyond the cap, checkpoints remove what the cap allows
    let maxWal = 0;
    let status = (await readSlot(db, slot)).walStatus;
    const deadline = Date.now() + 120_000;
    while (status !== 'lost') {
      if (Date.now() > deadline) throw new Error(`slot not lost (wal_status ${status})`);
      await db.query(
        `INSERT INTO character_memories (character_id, memory_type, content, created_at)
         SELECT (SELECT min(id) FROM characters), 'short_term', repeat(md5(g::text), 64), 0 FROM generate_series(1, 4000) g`,
      );
      await db.query('UPDATE user_settings SET updated_at = updated_at + 1');
      await db.query('CHECKPOINT');
      maxWal = Math.max(maxWal, await walDirBytes());
      status = (await readSlot(db, slot)).walStatus;
    }
    console.log(
      `[figures] slot lost; largest pg_wal ${Math.round(maxWal / MB)} MB (cap ${CAP_MB} MB, max_wal_size ${MAX_WAL_MB} MB)`,
    );
    // what the slot could hold back is bounded by the cap, beside the WAL any checkpoint cycle keeps
    expect(maxWal).toBeLessThanOrEqual((CAP_MB + MAX_WAL_MB + 2 * 16) * MB);

    running = startInvalidator({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      profile: PROFILES.reference!,
    });
    const second = running;
    const caught = Date.now() + 30_000;
    while (second.status().namespaceFlushes === 0 && Date.now() < caught) await sleep(100);
    expect(second.status().namespaceFlushes, 'the namespace emptied').toBeGreaterThan(0);
    expect((await readSlot(db, slot)).walStatus).not.toBe('lost');
    const after = await Promise.all(users.map(value));
    expect(
      after.filter((v) => v !== 777),
      'stale reads after the restart',
    ).toEqual([]);
  }, 240_000);
});
