// How the cache connects: URL with password, `password` option (REDIS_PASSWORD), a client it does not own,
// and the circuit breaker keeping it off Redis entirely while open.
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../src/cache/cache.ts';
import { CacheOptionError } from '../../../src/cache/errors.ts';
import { freePort, type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { eventually, recordingLogger, storedValue, testCache } from './helpers.ts';

const PASSWORD = 'test-only-requirepass';

let server: StartedRedisServer;

beforeAll(async () => {
  server = await startRedisServer({ extraArgs: ['--requirepass', PASSWORD] });
});
afterAll(async () => {
  await server?.stop();
});

describe('connecting', () => {
  it('takes the password from the URL or from the password option, and never logs it', async () => {
    const logger = recordingLogger();
    const inUrl = testCache(`redis://:${PASSWORD}@127.0.0.1:${server.port}`, { logger });
    const asOption = testCache(server.url, { password: PASSWORD, logger });
    const without = testCache(server.url, { logger });
    try {
      expect(await inUrl.set('pw', 1)).toBe(true);
      expect(await asOption.get('pw')).toBe(1);
      expect(await without.get('pw')).toBeUndefined();
      expect(await without.ping()).toBe(false);
      expect(logger.lines()).not.toContain(PASSWORD);
    } finally {
      await Promise.all([inUrl.close(), asOption.close(), without.close()]);
    }
  });

  it("an ACL user named in the URL takes its password from the password option (not the URL's empty one)", async () => {
    // ioredis alone lets `redis://app@host`'s empty password win over { password }: WRONGPASS.
    const admin = new Redis(server.url, { password: PASSWORD });
    await admin.call('ACL', 'SETUSER', 'urluser', 'on', '>url-user-pw', '~fastnpc:*', '+@all');
    const logger = recordingLogger();
    const cache = testCache(`redis://urluser@127.0.0.1:${server.port}`, { password: 'url-user-pw', logger });
    try {
      expect(await eventually(async () => cache.set('acl-url', 'ok'))).toBe(true);
      expect(await admin.call('ACL', 'WHOAMI')).toBe('default');
      expect(await cache.get('acl-url')).toBe('ok');
      expect(logger.lines()).not.toContain('url-user-pw');
    } finally {
      await cache.close();
      await admin.call('ACL', 'DELUSER', 'urluser');
      admin.disconnect();
    }
  });

  it('a blocked event loop is not mistaken for a slow Redis: a reply that arrived meanwhile is used', async () => {
    // Reproduce the failure of a watchdog that judges in the timers phase: block the loop past the timeout
    // while the reply sits in the socket; the timer then runs before the poll phase would read it.
    // Statistics flushes are kept out of the window: only single-round-trip reads are in flight. (A command of
    // two round trips — EVALSHA → NOSCRIPT → EVAL — blocked twice in a row can still be judged expired.)
    const cache = testCache(server.url, { password: PASSWORD, commandTimeoutMs: 100, statsFlushIntervalMs: 60_000 });
    try {
      expect(await eventually(async () => cache.set('lag', 'value'))).toBe(true);
      for (let round = 0; round < 5; round++) {
        const pending = cache.get('lag');
        // let the read leave (reads are sent on the next tick, read-batcher.ts) before the loop is blocked
        for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
        const until = performance.now() + 250;
        while (performance.now() < until) {
          // busy: the CPU is starved, Redis answers within microseconds
        }
        expect(await pending).toBe('value');
      }
      expect((await cache.stats()).process.errors).toBe(0);
    } finally {
      await cache.close();
    }
  });

  it('two caches on the default (global) prom registry do not clash', async () => {
    const a = createCache({ redis: server.url, password: PASSWORD, logger: recordingLogger() });
    const b = createCache({ redis: server.url, password: PASSWORD, logger: recordingLogger(), namespace: 'other' });
    try {
      await a.get('m');
      await b.get('m');
      const text = await register.metrics();
      expect(text).toContain('fastnpc_cache_requests_total{namespace="fastnpc",result="miss"}');
      expect(text).toContain('fastnpc_cache_requests_total{namespace="other",result="miss"}');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('uses a client it is given and leaves it open on close()', async () => {
    const client = new Redis(server.url, {
      password: PASSWORD,
      enableOfflineQueue: false,
      commandTimeout: 100,
      autoResendUnfulfilledCommands: false,
    });
    await eventually(async () => client.status === 'ready');
    const logger = recordingLogger();
    const cache = createCache({ redis: client, registry: false, logger });
    expect(await cache.set('given', 'yes')).toBe(true);
    await cache.close();
    expect(client.status).toBe('ready');
    expect(storedValue(await client.get('fastnpc:given'))).toBe('yes');
    expect(logger.warn).not.toHaveBeenCalled(); // it was fail-fast: no advice logged
    client.disconnect();
  });

  it('warns when the given client is not fail-fast, and refuses one with a keyPrefix', async () => {
    const lax = new Redis(server.url, { password: PASSWORD, lazyConnect: true });
    const logger = recordingLogger();
    const cache = createCache({ redis: lax, registry: false, logger });
    await cache.close();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('enableOfflineQueue'));
    lax.disconnect();
    const prefixed = new Redis(server.url, { keyPrefix: 'x:', lazyConnect: true });
    expect(() => createCache({ redis: prefixed, registry: false })).toThrow(CacheOptionError);
    prefixed.disconnect();
  });
});

describe('circuit breaker', () => {
  it('with Redis down from the start, reads stop waiting once the breaker opens, and it connects later', async () => {
    const port = await freePort();
    const cache = testCache(`redis://127.0.0.1:${port}`, {
      commandTimeoutMs: 100,
      breakerThreshold: 3,
      breakerProbeIntervalMs: 100,
    });
    // started (and killed at once) so the same port can come back later; a failed start fails the test
    const late = await startRedisServer({ port });
    try {
      await late.kill();
      const start = performance.now();
      for (let i = 0; i < 20; i++) expect(await cache.get('x')).toBeUndefined();
      // 3 waits of ≤ 100 ms open the breaker; the other 17 reads return at once (generous bound)
      expect(performance.now() - start).toBeLessThan(1_500);
      await late.restart();
      expect(await eventually(async () => cache.set('x', 1))).toBe(true);
    } finally {
      await cache.close();
      await late.stop();
    }
  });

  it('once open, reads do not touch Redis at all until a probe succeeds', async () => {
    const own = await startRedisServer();
    const client = new Redis(own.url, {
      enableOfflineQueue: false,
      commandTimeout: 100,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    });
    const sent: string[] = [];
    const sendCommand = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (sendCommand as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    const cache = createCache({
      redis: client,
      registry: false,
      logger: recordingLogger(),
      breakerThreshold: 3,
      breakerProbeIntervalMs: 300,
    });
    try {
      await eventually(async () => client.status === 'ready');
      expect(await cache.set('b', 1)).toBe(true);
      await own.kill();
      for (let i = 0; i < 3; i++) expect(await cache.get('b')).toBeUndefined();
      const before = sent.filter((name) => name === 'get').length;
      expect(before).toBeGreaterThanOrEqual(3); // the spy sees the reads that were tried
      for (let i = 0; i < 100; i++) expect(await cache.get('b')).toBeUndefined();
      expect(sent.filter((name) => name === 'get').length).toBe(before);

      await own.restart();
      expect(await eventually(async () => (await cache.set('b', 2)) === true)).toBe(true);
      expect(sent).toContain('ping'); // the probe
      expect(await cache.get('b')).toBe(2);
    } finally {
      await cache.close();
      client.disconnect();
      await own.stop();
    }
  });
});
