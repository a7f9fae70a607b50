import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readSlot, slotName } from '../../invalidator/slot.ts';
import type { ServiceDeps } from '../deps.ts';
import { forbidden } from '../errors.ts';
import { requireSession } from '../session.ts';
import { parseClearPattern } from '../validation.ts';

/**
 * Cache admin (plan step 9), admin only: no session → 401, a session that is not admin → 403. The guard reads
 * the admin flag the session actually carries (FastNPC's guard read a field the session never had: defect 4).
 */
export function registerAdminRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { cache, config } = deps;
  const requireAdmin = (request: FastifyRequest) => {
    const session = requireSession(request, config.sessionMaxAgeSeconds);
    if (!session.isAdmin) throw forbidden();
    return session;
  };

  const gauge = async (name: string): Promise<number | null> => {
    const metric = deps.metrics.registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values : [];
    return values.length > 0 ? Number(values[0]!.value) : null;
  };
  /** The commit-log invalidator as this worker sees it: fence, lag, and what its slot holds back in PostgreSQL. */
  const invalidatorState = async () => {
    if (config.invalidator === 'off') return { mode: 'off' };
    const slot = await readSlot(deps.db.pool, slotName(config.cacheNamespace)).catch(() => null);
    return {
      mode: config.invalidator,
      fenced: (await gauge('fastnpc_cache_fenced')) === 1,
      lag_seconds: await gauge('fastnpc_invalidator_lag_seconds'),
      slot: slot && {
        exists: slot.exists,
        active: slot.active,
        wal_status: slot.walStatus,
        retained_wal_bytes: slot.retainedBytes,
        confirmed_flush_lsn: slot.confirmedFlushLsn,
      },
    };
  };

  app.get('/admin/cache/stats', async (request) => {
    requireAdmin(request);
    const [stats, redis, invalidator] = await Promise.all([cache.stats(), deps.redisInfo(), invalidatorState()]);
    return {
      ok: true,
      stats: {
        system: stats.system,
        process: stats.process,
        workers: stats.workers,
        system_available: stats.systemAvailable,
        cache_mode: config.cacheMode,
        worker: config.workerIndex,
        redis,
        invalidator,
      },
    };
  });

  app.post<{ Querystring: { pattern?: string } }>('/admin/cache/clear', async (request) => {
    requireAdmin(request);
    const pattern = parseClearPattern(request.query.pattern);
    const deleted = pattern === undefined ? await cache.clearAll() : await cache.deletePattern(pattern);
    return { ok: true, deleted, pattern: pattern ?? '*' };
  });

  app.get('/admin/cache/test', async (request) => {
    requireAdmin(request);
    const started = process.hrtime.bigint();
    const connected = await cache.ping();
    const key = `cache_test:${config.workerIndex}`;
    const value = { at: Date.now() };
    const stored = connected && (await cache.set(key, value, 10));
    const read = stored ? await cache.get<{ at: number }>(key) : undefined;
    if (stored) await cache.delete(key);
    const roundtrip = read?.at === value.at;
    return {
      ok: true,
      connected,
      roundtrip,
      cache_mode: config.cacheMode,
      latency_ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
  });
}
