import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { vi } from 'vitest';
import { createCache } from '../../../src/cache/cache.ts';
import { CORRUPT, decode } from '../../../src/cache/codec.ts';
import type { CacheLogger, CacheOptions } from '../../../src/cache/options.ts';
import type { Cache } from '../../../src/cache/types.ts';

/** A logger that records everything, so tests can assert what was (not) logged. */
export function recordingLogger(): CacheLogger & { lines: () => string } {
  const logger = {
    debug: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
    lines: () =>
      [...logger.debug.mock.calls, ...logger.warn.mock.calls, ...logger.error.mock.calls]
        .map((call) => JSON.stringify(call))
        .join('\n'),
  };
  return logger;
}

/**
 * A cache on its own prom registry with a recording logger; closed by the caller. Its command timeout is
 * 500 ms so that a busy CI machine cannot turn a slow reply into a spurious miss; the fail-fast tests
 * (outage.test.ts) pass the 100 ms default explicitly.
 */
export function testCache(redisUrl: string, options: Partial<CacheOptions> = {}): Cache {
  return createCache({
    redis: redisUrl,
    registry: new Registry(),
    logger: recordingLogger(),
    statsFlushIntervalMs: 100,
    commandTimeoutMs: 500,
    ...options,
  });
}

/** A plain ioredis client for looking at Redis from outside the cache. */
export function rawClient(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
}

/** A promise with its resolve function, to hold a loader at a chosen point of an interleaving. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A raw entry read from Redis, decoded as the cache decodes it (any value format it reads); null when absent. */
export function storedValue(raw: string | null): unknown {
  if (raw === null) return null;
  const value = decode(raw);
  return value === CORRUPT ? 'corrupt entry' : value;
}
