// No open Redis by default: a private redis-server given a password has it from its first accepted connection (an
// included 0600 file, never argv), and `npm run serve`'s private redis-server gets a generated one. The control of
// each: a connection without the password is refused (NOAUTH), with it PONG.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { freePortBlock, startRedisServer } from '../../../src/stack/index.ts';
import { alive, descendants } from '../../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// the service's own process, as `npm run serve` runs it (exec node --import tsx: no tsx CLI relaying signals)
const NODE_TSX = `"${process.execPath}" --import tsx`;

async function ping(port: number, password?: string): Promise<string> {
  const client = new Redis({
    port,
    password,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

const argvOf = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

describe('private redis-servers with a password', () => {
  test('startRedisServer({ password }): NOAUTH without it, PONG with the URL; only a 0600 file holds it', async () => {
    const password = `pw${Math.random().toString(36).slice(2)}Z9`;
    await using server = await startRedisServer({ password });
    expect(await ping(server.port)).toMatch(/NOAUTH/);
    const client = new Redis(server.url, { maxRetriesPerRequest: 0 });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    // redis-server rewrites its title ("redis-server 127.0.0.1:PORT"); what it was started with is in the log line
    expect(argvOf(server.pid()!)).not.toContain(password);
    expect((statSync(join(server.dir, 'auth.conf')).mode & 0o777).toString(8)).toBe('600');
    // a restart keeps it
    await server.restart();
    expect(await ping(server.port)).toMatch(/NOAUTH/);
  });

  test('a password with blanks or quotes is refused with a clear error', async () => {
    await expect(startRedisServer({ password: 'a b' })).rejects.toMatchObject({ code: 'E_BAD_PASSWORD' });
  });

  test('npm run serve: its private redis-server refuses a connection without the generated password; --warm-up-days reaches it', async () => {
    const port = await freePortBlock(2);
    const log = join(mkdtempSync(join(tmpdir(), 'serve-redis-pw-')), 'serve.log');
    const serve = spawn(
      'sh',
      [
        '-c',
        `exec ${NODE_TSX} src/service/cli.ts --port ${port} --users 2 --characters 1 --memories 1 --warm-up-days 7 > "${log}" 2>&1`,
      ],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: '', DATABASE_URL: '' }, stdio: 'ignore' },
    );
    const serveLog = (): string => {
      try {
        return readFileSync(log, 'utf8');
      } catch {
        return '';
      }
    };
    try {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && serve.exitCode === null && !serveLog().includes('worker 2:')) {
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(serveLog(), 'serve did not start its workers within 120 s').toContain('worker 2:');
      const redisPid = descendants(serve.pid as number).find((pid) => argvOf(pid).includes('redis-server'));
      expect(redisPid, serveLog()).toBeDefined();
      const argv = argvOf(redisPid!);
      const redisPort = Number(/:(\d+)/.exec(argv)?.[1]);
      const authFile = join(readlinkSync(`/proc/${redisPid}/cwd`), 'auth.conf'); // its dir is its working directory
      expect(argv).not.toMatch(/requirepass/);
      expect(await ping(redisPort)).toMatch(/NOAUTH/);
      const password = /^requirepass (\S+)$/m.exec(readFileSync(authFile!, 'utf8'))?.[1];
      expect(password).toMatch(/^[0-9a-f]{48}$/);
      expect(await ping(redisPort, password)).toBe('PONG');
      expect(serveLog()).not.toContain(password);
      // the workers reach it with the password (the URL they were handed carries it)
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { redis: string };
      expect(health.redis).toBe('up');
      // the opt-in warm-up at start ran through the same password (FASTNPC_WARM_UP_DAYS / --warm-up-days)
      const until = Date.now() + 90_000;
      while (Date.now() < until && !/warm-up: settings of \d+ user/.test(serveLog())) {
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(serveLog()).toMatch(/warm-up: settings of \d+ user\(s\) active in the last 7 day\(s\)/);
    } finally {
      const leftovers = [serve.pid as number, ...descendants(serve.pid as number)].filter(alive);
      serve.kill('SIGTERM');
      const gone = Date.now() + 30_000;
      while (Date.now() < gone && leftovers.some(alive)) await new Promise((r) => setTimeout(r, 300));
      for (const pid of leftovers.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  }, 180_000);
});
