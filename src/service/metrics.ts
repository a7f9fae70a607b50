import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The service's Prometheus metrics, in one registry per worker (the cache module registers into it too). */
export interface ServiceMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  dbStatements: Counter;
  cacheReads: Counter<'entry' | 'outcome'>;
  invalidationFailures: Counter<'path'>;
}

export function createMetrics(workerIndex: number): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: String(workerIndex) });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'fastnpc_http_request_duration_seconds',
      help: 'HTTP request latency by route (the route pattern, not the URL).',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbStatements: new Counter({
      name: 'fastnpc_db_statements_total',
      help: 'Statements sent to PostgreSQL by this worker.',
      registers: [registry],
    }),
    cacheReads: new Counter({
      name: 'fastnpc_service_cache_reads_total',
      help: 'Cached reads of the service by entry (settings, char_id, profile, list) and outcome (hit, miss, bypass).',
      labelNames: ['entry', 'outcome'],
      registers: [registry],
    }),
    invalidationFailures: new Counter({
      name: 'fastnpc_invalidation_failures_total',
      help: 'Invalidations Redis did not confirm after a committed write, by write path.',
      labelNames: ['path'],
      registers: [registry],
    }),
  };
}
