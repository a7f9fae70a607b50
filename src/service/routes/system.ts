import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.ts';

/**
 * GET /health (200 while PostgreSQL answers, `degraded` when Redis does not), GET /health/live (the process answers;
 * no PostgreSQL, no Redis — a liveness probe, and the framework's ceiling in `npm run bench:http`) and GET /metrics
 * (Prometheus).
 */
export function registerSystemRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { config, db, cache, metrics } = deps;

  app.get('/health', async (_request, reply) => {
    const [dbUp, redisUp] = await Promise.all([db.ping(), config.cacheMode === 'off' ? false : cache.ping()]);
    const redis = config.cacheMode === 'off' ? 'off' : redisUp ? 'up' : 'down';
    const degraded = !dbUp || redis === 'down';
    reply.code(dbUp ? 200 : 503);
    return {
      ok: dbUp,
      worker: config.workerIndex,
      pid: process.pid,
      db: dbUp ? 'up' : 'down',
      redis,
      degraded,
      cache_mode: config.cacheMode,
    };
  });

  app.get('/health/live', async () => ({ ok: true, worker: config.workerIndex }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
