import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.ts';

/**
 * GET /health (200 while PostgreSQL answers, `degraded` when Redis does not or the cache is fenced), GET /health/live (the process answers;
 * no PostgreSQL, no Redis — a liveness probe, and the framework's ceiling in `npm run bench:http`) and GET /metrics
 * (Prometheus).
 */
export function registerSystemRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { config, db, metrics } = deps;

  app.get('/health', async (_request, reply) => {
    const [dbUp, redisUp] = await Promise.all([db.ping(), config.cacheMode === 'off' ? false : deps.cache.ping()]);
    const redis = config.cacheMode === 'off' ? 'off' : redisUp ? 'up' : 'down';
    const fence = deps.fenceState();
    // cache: whether cached reads are served from Redis right now (`fenced`: after an outage, until the invalidator
    // caught up — every read goes to PostgreSQL meanwhile)
    const cache = redis !== 'up' ? redis : fence?.fenced ? 'fenced' : 'serving';
    const degraded = !dbUp || redis === 'down' || cache === 'fenced';
    reply.code(dbUp ? 200 : 503);
    return {
      ok: dbUp,
      worker: config.workerIndex,
      pid: process.pid,
      db: dbUp ? 'up' : 'down',
      redis,
      cache,
      degraded,
      cache_mode: config.cacheMode,
      invalidator_lag_ms: fence?.lagMs ?? null,
    };
  });

  app.get('/health/live', async () => ({ ok: true, worker: config.workerIndex }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
