import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyKey } from '../../../src/cache/internal-keys.ts';
import { programArgs } from '../../../src/service/programs.ts';
import { type Client, enc, registerUser } from '../service/http.ts';
import { type ServiceFixture, startFixture } from '../service/setup.ts';

// `npm run invalidator` beside an app it does not live in: the service runs without its own invalidator and with
// the structured update's invalidation "forgotten" (FastNPC's defect, FASTNPC_TEST_SKIP_INVALIDATION); the
// invalidator, started on its own with the plan profile, closes that write path from the commit log.
const CLI = 'src/invalidator/cli.ts';
let fixture: ServiceFixture;
let stack: ServiceFixture['stack'];
let service: ServiceFixture['service'];
let invalidator: ChildProcess | undefined;
let redis: Redis;

beforeAll(async () => {
  fixture = await startFixture({
    seed: { users: 1, characters: 1, memories: 1 },
    env: { FASTNPC_INVALIDATOR: 'off', FASTNPC_TEST_SKIP_INVALIDATION: 'structured_update' },
  });
  ({ stack, service } = fixture);
  redis = new Redis(stack.redisUrl);
});
afterAll(async () => {
  invalidator?.kill('SIGTERM');
  redis?.disconnect();
  await fixture?.stop();
});

type Structured = Record<string, Record<string, unknown>>;

/** Caches the profile on worker 2, updates it on worker 1, and returns how long worker 2 served the old one. */
async function staleFor(w1: Client, w2: Client, role: string, windowMs: number): Promise<number | null> {
  const path = `/api/characters/${enc(role)}/structured`;
  // Cached on worker 2 first. The invalidator may still be applying the character's creation (it deletes that
  // character's entries when the commit reaches it), so fill until a read is a hit.
  let cached = false;
  for (let i = 0; i < 40 && !cached; i++) {
    cached = (await w2.get(path)).headers.get('x-cache') === 'hit';
    if (!cached) await new Promise((r) => setTimeout(r, 50));
  }
  expect(cached).toBe(true);
  const current = (await w1.get<Structured>(path)).body;
  const occupation = `职业-${Math.random().toString(36).slice(2, 8)}`;
  const put = await w1.put(path, { ...current, 基础身份信息: { ...(current.基础身份信息 ?? {}), 职业: occupation } });
  expect(put.status).toBe(200);
  const written = Date.now();
  while (Date.now() - written < windowMs) {
    const got = await w2.get<Structured>(path);
    if (got.body?.基础身份信息?.职业 === occupation) return Date.now() - written;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

describe('npm run invalidator closes a forgotten invalidation', () => {
  it('control: without the invalidator, worker 2 keeps serving the old profile', async () => {
    const w1 = await registerUser(service.workerUrls[0]!, 'forgot');
    await w1.post('/api/characters', { role: '张良' });
    const stale = await staleFor(w1, w1.on(service.workerUrls[1]!), '张良', 2_000);
    expect(stale).toBeNull();
  });

  it('with `npm run invalidator -- --profile plan` running beside it, worker 2 sees the update within a second', async () => {
    invalidator = spawn(process.execPath, programArgs(CLI, ['--profile', 'plan']), {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    invalidator.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!(await redis.hget(consistencyKey('fastnpc'), 'caught_up_seq'))) {
      if (Date.now() > deadline) throw new Error(`invalidator did not catch up:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const w1 = await registerUser(service.workerUrls[0]!, 'closed');
    await w1.post('/api/characters', { role: '萧何' });
    const windows: number[] = [];
    for (let i = 0; i < 3; i++) {
      const stale = await staleFor(w1, w1.on(service.workerUrls[1]!), '萧何', 3_000);
      expect(stale, log).not.toBeNull();
      windows.push(stale as number);
    }
    console.log(`[figures] forgotten invalidation closed by the invalidator after ${windows.join(' / ')} ms`);
    expect(Math.max(...windows)).toBeLessThan(1_000);
    expect(log).not.toMatch(/postgres:\/\/[^ "]*@/); // no URL with credentials in its output
  });
  // last: its two CLI starts take seconds, and the service closes an idle keep-alive socket after 5 s — a request of
  // the next test on it would fail with 'other side closed' (it did, on a busy machine)
  it('usage errors exit 2 with a message, no stack trace', () => {
    const child = spawnSync(process.execPath, programArgs(CLI, ['--profile', 'nope']), {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl },
      encoding: 'utf8',
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(/--profile must be one of plan, reference/);
    expect(child.stderr).not.toMatch(/\n\s+at /);
    // a misspelt control switch is refused, not read as on
    const typo = spawnSync(process.execPath, programArgs(CLI), {
      env: {
        ...process.env,
        DATABASE_URL: stack.databaseUrl,
        REDIS_URL: stack.redisUrl,
        FASTNPC_INVALIDATOR_REPLAY: 'of',
      },
      encoding: 'utf8',
    });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/FASTNPC_INVALIDATOR_REPLAY must be on or off, got "of"/);
  });
});
