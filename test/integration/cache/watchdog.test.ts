// Issue 11 D4: the watchdog must tell a busy or starved event loop from a slow Redis. A loop blocked past the
// command timeout (a long synchronous task, a GC pause, a CPU taken by other processes) must not reset the
// connection, count an error or open the breaker; a Redis that really does not answer must still trip it.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { eventually, rawClient, recordingLogger, testCache } from './helpers.ts';

const TIMEOUT_MS = 100;
/** Longer than the timeout: the loop is blocked while the command is in flight. */
const BLOCK_MS = 250;
/** Generous bound for "a stopped Redis still trips": the block plus a few timeouts, not a speed target. */
const TRIP_BOUND_MS = BLOCK_MS + 1_000;

let server: StartedRedisServer;
let admin: Redis;
let cache: Cache;
let logger: ReturnType<typeof recordingLogger>;
/** Errors and connections counted before the test's own work (setup on a busy machine may have seen some). */
let errorsBefore: number;
let connectionsBefore: number;

/** Blocks the event loop (no timer, no I/O callback runs meanwhile). */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** Lets the commands already issued leave (nextTick and promise jobs run; no I/O is read, no timer fires). */
async function letWritesLeave(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
}

async function connectionsReceived(): Promise<number> {
  const info = await admin.info('stats');
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

function signal(sig: NodeJS.Signals): void {
  const pid = server.pid();
  if (pid === undefined) throw new Error('redis-server is not running');
  process.kill(pid, sig);
}

beforeAll(async () => {
  server = await startRedisServer();
  admin = rawClient(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  logger = recordingLogger();
  cache = testCache(server.url, {
    commandTimeoutMs: TIMEOUT_MS,
    breakerThreshold: 1, // any failure counted opens it
    breakerProbeIntervalMs: 50,
    statsFlushIntervalMs: 60_000,
    logger,
  });
  expect(await eventually(async () => cache.set('busy', 'value'))).toBe(true);
  expect(await eventually(async () => (await cache.get('busy')) === 'value')).toBe(true);
  errorsBefore = (await cache.stats()).process.errors;
  connectionsBefore = await connectionsReceived();
  vi.mocked(logger.debug).mockClear();
  vi.mocked(logger.warn).mockClear();
  return async () => {
    await cache.close();
  };
});

/** Nothing was judged a Redis failure: no reset, no error counted, breaker closed. */
async function expectNoFailure(): Promise<void> {
  expect(logger.lines()).not.toContain('connection reset');
  expect(logger.warn).not.toHaveBeenCalledWith(expect.stringContaining('Redis failed'), expect.anything());
  expect(await connectionsReceived()).toBe(connectionsBefore);
  expect((await cache.stats()).process.errors).toBe(errorsBefore);
  expect(await cache.get('busy')).toBe('value'); // breaker closed: still served from Redis
}

describe('a busy event loop is not a slow Redis', () => {
  it('a read in flight while the loop is blocked past the timeout is answered (its reply was in the socket)', async () => {
    for (let round = 0; round < 3; round++) {
      const pending = cache.get('busy');
      await letWritesLeave();
      blockLoop(BLOCK_MS);
      expect(await pending).toBe('value');
    }
    await expectNoFailure();
  });

  it('CPU contention: Redis starved as long as the loop (and a moment longer) still answers', async () => {
    for (let round = 0; round < 3; round++) {
      signal('SIGSTOP');
      const pending = cache.get('busy');
      await letWritesLeave();
      // neither process got the CPU for the block; Redis gets it back 10 ms after the loop does
      blockLoop(BLOCK_MS);
      setTimeout(() => signal('SIGCONT'), 10);
      expect(await pending).toBe('value');
    }
    await expectNoFailure();
  });

  it('a script that needs a second round trip (NOSCRIPT → EVAL) across a blocked loop is not cut off', async () => {
    for (let round = 0; round < 3; round++) {
      await admin.script('FLUSH');
      const pending = cache.set('busy', 'value');
      await letWritesLeave();
      blockLoop(BLOCK_MS);
      expect(await pending).toBe(true);
    }
    await expectNoFailure();
  });
});

describe('a Redis that does not answer still trips the watchdog', () => {
  it('stopped (SIGSTOP) with the loop idle: the read degrades within the bound and counts a failure', async () => {
    signal('SIGSTOP');
    try {
      const start = performance.now();
      expect(await cache.get('busy')).toBeUndefined();
      expect(performance.now() - start).toBeLessThan(TRIP_BOUND_MS);
      expect(logger.lines()).toContain('connection reset');
      expect((await cache.stats()).process.errors).toBeGreaterThan(errorsBefore);
    } finally {
      signal('SIGCONT');
    }
  });

  it('stopped and the loop blocked too: spared once for the contention, then it trips', async () => {
    signal('SIGSTOP');
    try {
      const start = performance.now();
      const pending = cache.get('busy');
      await letWritesLeave();
      blockLoop(BLOCK_MS);
      expect(await pending).toBeUndefined();
      expect(performance.now() - start).toBeLessThan(TRIP_BOUND_MS);
      expect(logger.lines()).toContain('connection reset');
    } finally {
      signal('SIGCONT');
    }
  });
});
