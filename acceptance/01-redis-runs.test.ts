/** Criterion 1 — Redis runs: PING answers, version and uptime are read, and the provisioning config audit passes. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadAuditRedis } from './audit.ts';
import { recorder } from './support/record.ts';
import { adminRedis, info, type RedisClient } from './support/redis.ts';
import { round } from './support/stats.ts';
import { target } from './support/target.ts';

const rec = recorder('01');
let redis: RedisClient;

beforeAll(() => {
  redis = adminRedis();
});
afterAll(() => redis.quit());

describe('01 Redis runs', () => {
  test('PING answers PONG; version and uptime are reported', async () => {
    const started = performance.now();
    const pong = await redis.ping();
    const pingMs = performance.now() - started;
    const server = await info(redis, 'server');
    const version = server.redis_version ?? '';
    const uptime = Number(server.uptime_in_seconds ?? -1);
    rec.figure(
      'Redis answers',
      `PONG, ${version}, up ${uptime} s`,
      '',
      'PONG, >= 6.0',
      pong === 'PONG' && Number(version.split('.')[0]) >= 6,
    );
    const ok = rec.figure('PING', pong, '', '= PONG', pong === 'PONG');
    rec.figure('PING round trip', round(pingMs), 'ms', '', null);
    const versionOk = rec.figure('redis_version', version, '', '>= 6.0', Number(version.split('.')[0]) >= 6);
    rec.figure('uptime', uptime, 's', '', null); // reported, not judged: any uptime is a running Redis
    expect(ok && versionOk).toBe(true);
  });

  test('the config audit (provisioning auditRedis) passes on the live server', async () => {
    const auditRedis = await loadAuditRedis();
    const report = await auditRedis({
      redisUrl: target().redisUrl,
      password: target().redisPassword,
      expected: target().auditExpected,
    });
    const passed = report.checks.filter((c) => c.ok);
    const drift = report.checks.filter((c) => !c.ok);
    for (const c of drift) {
      rec.note(`drift: ${c.setting} expected ${JSON.stringify(c.expected)} got ${JSON.stringify(c.actual)}`);
    }
    const ok = rec.figure(
      'config audit',
      `${passed.length}/${report.checks.length} checks`,
      '',
      'all checks pass',
      report.ok && drift.length === 0 && report.checks.length > 0,
    );
    expect(drift.map((c) => c.setting)).toEqual([]);
    expect(ok).toBe(true);
  });
});
