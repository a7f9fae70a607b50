/**
 * auditRedis as the acceptance gate uses it (criterion 1): against a private redis-server running the repository's
 * redis.conf on a random port, with a temp dir. No root needed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRedis } from '../../../provisioning/lib/checks/audit.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';

describe('auditRedis against a private redis-server on the repository redis.conf', () => {
  let server: StartedRedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { lazyConnect: true });
    await admin.connect();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('passes with no expectations beyond the repository file (port taken from the URL)', async () => {
    const report = await auditRedis({ redisUrl: server.url });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.target).toBe(`redis://127.0.0.1:${server.port}`);
    const listening = report.checks.find((c) => c.setting === 'listening addresses');
    expect(listening?.actual).toContain('127.0.0.1');
    expect(report.checks.map((c) => c.setting)).toEqual([
      'connection',
      'maxmemory',
      'maxmemory-policy',
      'save',
      'appendonly',
      'bind',
      'protected-mode',
      'timeout',
      'tcp-keepalive',
      'tcp-backlog',
      'port',
      'rdb_last_bgsave_status',
      'listening addresses',
    ]);
  });

  it('names the drifted setting', async () => {
    await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    try {
      const report = await auditRedis({ redisUrl: server.url });
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => !c.ok)).toEqual([
        { setting: 'maxmemory-policy', expected: 'allkeys-lru', actual: 'volatile-lru', ok: false },
      ]);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    }
  });

  it('honours expected overrides', async () => {
    const report = await auditRedis({ redisUrl: server.url, expected: { maxmemory: '100mb' } });
    expect(report.checks.find((c) => c.setting === 'maxmemory')).toMatchObject({ ok: false, expected: '104857600' });
  });

  it('with a password: passes with it, reports auth required; without it the connection check fails', async () => {
    const password = `pw-${randomBytes(12).toString('hex')}`;
    await admin.config('SET', 'requirepass', password);
    try {
      const redisUrl = server.url;
      // #region audit-as-library
      const report = await auditRedis({ redisUrl, password, expected: { maxmemory: '200mb' } });
      // { ok, target, checks: [{ setting, expected, actual, ok, note? }] } — the port defaults to the URL's
      // #endregion audit-as-library
      expect(report.ok).toBe(true);
      expect(report.checks.find((c) => c.setting === 'maxmemory')).toMatchObject({ ok: true, expected: '209715200' });
      expect(report.checks.find((c) => c.setting === 'auth')).toMatchObject({ ok: true, actual: 'required' });
      const anonymous = await auditRedis({ redisUrl: server.url });
      expect(anonymous.ok).toBe(false);
      expect(anonymous.checks[0]).toMatchObject({ setting: 'connection', ok: false });
      expect(anonymous.checks[0]?.actual).toMatch(/NOAUTH/);
      expect(JSON.stringify(report)).not.toContain(password);
    } finally {
      await admin.call('AUTH', password);
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('npm run audit with a wrong password: exit 1 "authentication failed", not "drift"; the password nowhere', async () => {
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    await admin.config('SET', 'requirepass', password);
    try {
      const run = (secret: string) => {
        writeFileSync(join(dir, 'pw'), secret, { mode: 0o600 });
        return spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'provisioning/cli/audit.ts',
            '--redis-url',
            server.url,
            '--password-file',
            join(dir, 'pw'),
            '--json',
            join(dir, 'audit.json'),
          ],
          { encoding: 'utf8', env: { ...process.env, REDIS_PASSWORD: '' } },
        );
      };
      const refused = run(wrong);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/authentication failed on .*WRONGPASS/);
      expect(refused.stderr).not.toMatch(/drift/);
      const accepted = run(password); // control: the same command with the right password
      expect(accepted.status, accepted.stderr).toBe(0);
      for (const out of [refused.stdout, refused.stderr, accepted.stdout, accepted.stderr]) {
        expect(out).not.toContain(password);
        expect(out).not.toContain(wrong);
      }
    } finally {
      await admin.call('AUTH', password);
      await admin.config('SET', 'requirepass', '');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable server as a failed connection check, not an exception', async () => {
    await expect(auditRedis({ redisUrl: 'redis://127.0.0.1:1', timeoutMs: 1000 })).resolves.toMatchObject({
      ok: false,
      checks: [{ setting: 'connection', ok: false }],
    });
  });
});
