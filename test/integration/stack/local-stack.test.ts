import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findBinary, StackError, startLocalStack, startPostgres, startRedisServer } from '../../../src/stack/index.ts';

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

  it.runIf(process.getuid?.() === 0)(
    'run as root with a TMPDIR only root may enter: a clear E_START_FAILED naming the fix, nothing left in it',
    async () => {
      const closed = mkdtempSync(join(tmpdir(), 'closed-tmp-')); // mode 0700, as mkdtemp makes
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = closed;
      try {
        const error = await startPostgres().then(
          (pg) => pg.stop().then(() => undefined),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StackError);
        expect((error as StackError).code).toBe('E_START_FAILED');
        expect((error as Error).message).toContain(
          `user "postgres" here (root may not run it), and that user cannot reach ${closed}`,
        );
        expect(readdirSync(closed)).toEqual([]);
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
        rmSync(closed, { recursive: true, force: true });
      }
    },
  );

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
