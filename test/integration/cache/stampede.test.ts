// Two processes × 50 concurrent misses of one key → exactly one load (the lease limits stampedes across
// processes). The same run with a naive cache-aside loads many times, so the test can fail.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/keys.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, storedValue } from './helpers.ts';

const WORKER = fileURLToPath(new URL('./stampede-worker.ts', import.meta.url));
const PROCESSES = 2;
const CONCURRENCY = 50;

let server: StartedRedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  raw = rawClient(server.url);
});
afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

interface Reply {
  ready?: boolean;
  values?: string[];
  error?: string;
}

function nextMessage(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`stampede worker exited with ${code} before replying`));
    child.once('exit', onExit);
    child.once('message', (message: Reply) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

/** Starts the children, releases them together, returns how many loads they made and the values they got. */
async function stampede(mode: 'lease' | 'naive', key: string): Promise<{ loads: number; values: string[] }> {
  const counterKey = `stampede-test:loads:${mode}`; // outside the namespace: the cache never touches it
  await raw.del(counterKey);
  const children = Array.from({ length: PROCESSES }, () =>
    fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    const ready = await Promise.all(children.map(nextMessage));
    expect(ready.every((m) => m.ready)).toBe(true);
    const done = children.map(nextMessage);
    for (const child of children) {
      child.send({ go: { redisUrl: server.url, key, counterKey, concurrency: CONCURRENCY, loaderMs: 300, mode } });
    }
    const replies = await Promise.all(done);
    for (const reply of replies) expect(reply.error).toBeUndefined();
    return { loads: Number(await raw.get(counterKey)), values: replies.flatMap((r) => r.values ?? []) };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('stampede across processes', () => {
  it('naive cache-aside: many concurrent misses cause many loads (control)', async () => {
    const { loads, values } = await stampede('naive', keys.characterProfile(1, 'naive'));
    expect(values).toHaveLength(PROCESSES * CONCURRENCY);
    expect(loads).toBeGreaterThan(1);
  });

  it(`getOrLoad: ${PROCESSES} processes × ${CONCURRENCY} concurrent misses → exactly one load`, async () => {
    const key = keys.characterProfile(1, '李白');
    const { loads, values } = await stampede('lease', key);
    expect(values).toHaveLength(PROCESSES * CONCURRENCY);
    expect(new Set(values)).toEqual(new Set(['profile-v1']));
    expect(loads).toBe(1);
    expect(storedValue(await raw.get(`fastnpc:${key}`))).toBe('profile-v1');
  });
});
