import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findBinary, StackError, startLocalStack, startRedisServer } from '../../../src/stack/index.ts';

describe('local stack', () => {
  it('starts Redis and PostgreSQL whose URLs answer, and stop() removes what it started', async () => {
    const stack = await startLocalStack();
    const dirs = [stack.redis?.dir, stack.postgres?.dir].filter((d): d is string => d !== undefined);
    try {
      for (const dir of dirs) expect(existsSync(dir)).toBe(true);
      const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        expect(await redis.ping()).toBe('PONG');
        if (stack.redis) {
          // the repository's redis.conf is what runs
          expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', '209715200']);
        }
      } finally {
        redis.disconnect();
      }
      const db = new pg.Client({ connectionString: stack.databaseUrl });
      await db.connect();
      try {
        expect((await db.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
      } finally {
        await db.end();
      }
    } finally {
      await stack.stop();
    }
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('kill() and restart() keep the port', async () => {
    const server = await startRedisServer();
    try {
      await server.kill();
      expect(server.pid()).toBeUndefined();
      await server.restart();
      expect(server.pid()).toBeTypeOf('number');
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      expect(await redis.ping()).toBe('PONG');
      redis.disconnect();
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
  });

  it('a missing binary names the Debian package to install', () => {
    let caught: unknown;
    try {
      findBinary('redis-server-that-is-not-installed', 'redis-server');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StackError);
    expect((caught as StackError).code).toBe('E_BINARY_MISSING');
    expect((caught as Error).message).toContain('apt-get install -y redis-server');
  });
});
