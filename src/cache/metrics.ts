import { Counter, Gauge, type Registry, register } from 'prom-client';

/** Names of the Prometheus metrics the cache exports (all labelled `namespace`). */
export const METRIC_NAMES = {
  requests: 'fastnpc_cache_requests_total',
  sets: 'fastnpc_cache_sets_total',
  deletes: 'fastnpc_cache_deletes_total',
  errors: 'fastnpc_cache_errors_total',
  loads: 'fastnpc_cache_loads_total',
  leaseWaits: 'fastnpc_cache_lease_waits_total',
  leaseWaitTimeouts: 'fastnpc_cache_lease_wait_timeouts_total',
  staleSetsRefused: 'fastnpc_cache_stale_sets_refused_total',
  corruptEntries: 'fastnpc_cache_corrupt_entries_total',
  breakerOpen: 'fastnpc_cache_breaker_open',
} as const;

interface Incrementable {
  inc(value?: number): void;
}

/** The per-cache handles on the metrics; every method is a cheap in-memory increment. */
export interface CacheMetrics {
  hits: Incrementable;
  misses: Incrementable;
  sets: Incrementable;
  deletes: Incrementable;
  errors: Incrementable;
  loads: Incrementable;
  leaseWaits: Incrementable;
  leaseWaitTimeouts: Incrementable;
  staleSetsRefused: Incrementable;
  corruptEntries: Incrementable;
  breakerOpen(open: boolean): void;
}

const NOOP: Incrementable = { inc: () => {} };

/** Metrics that count nothing (`registry: false`). */
export const NO_METRICS: CacheMetrics = {
  hits: NOOP,
  misses: NOOP,
  sets: NOOP,
  deletes: NOOP,
  errors: NOOP,
  loads: NOOP,
  leaseWaits: NOOP,
  leaseWaitTimeouts: NOOP,
  staleSetsRefused: NOOP,
  corruptEntries: NOOP,
  breakerOpen: () => {},
};

/** Returns the metric already registered under `name` (a second cache in the process), or registers it. */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<string>;
  return new Gauge({ name, help, labelNames: ['namespace'], registers: [registry] });
}

/**
 * Creates (or reuses) the cache metrics on `registry` (default: prom-client's global registry). Two caches in
 * one process share the metric objects; caches with the same namespace add up into the same series.
 */
export function createCacheMetrics(namespace: string, registry: Registry | false | undefined): CacheMetrics {
  if (registry === false) return NO_METRICS;
  const target = registry ?? register;
  const ns = { namespace };
  const requests = counter(
    target,
    METRIC_NAMES.requests,
    'Cache reads (get, getOrLoad) by result: hit or miss (a Redis failure is a miss)',
    ['namespace', 'result'],
  );
  const one = (name: string, help: string): Incrementable => counter(target, name, help, ['namespace']).labels(ns);
  const breaker = gauge(target, METRIC_NAMES.breakerOpen, '1 while the circuit breaker keeps the cache off Redis');
  breaker.set(ns, 0);
  return {
    hits: requests.labels({ namespace, result: 'hit' }),
    misses: requests.labels({ namespace, result: 'miss' }),
    sets: one(METRIC_NAMES.sets, 'Values stored (set, getOrLoad fills)'),
    deletes: one(METRIC_NAMES.deletes, 'Keys deleted (delete, invalidate, deletePattern, clearAll)'),
    errors: one(METRIC_NAMES.errors, 'Operations Redis did not serve (failure, timeout, breaker open, corrupt entry)'),
    loads: one(METRIC_NAMES.loads, 'Loader calls made by getOrLoad'),
    leaseWaits: one(METRIC_NAMES.leaseWaits, 'getOrLoad misses that found another loader holding the lease'),
    leaseWaitTimeouts: one(
      METRIC_NAMES.leaseWaitTimeouts,
      'Lease waits that ran out (leaseWaitMs) and loaded without storing',
    ),
    staleSetsRefused: one(
      METRIC_NAMES.staleSetsRefused,
      'Loaded values not stored because their lease was voided (invalidation or lease expiry)',
    ),
    corruptEntries: one(METRIC_NAMES.corruptEntries, 'Entries that did not parse as JSON (deleted, served as miss)'),
    breakerOpen: (open) => breaker.set(ns, open ? 1 : 0),
  };
}
