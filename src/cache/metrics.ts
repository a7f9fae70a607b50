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
  fenced: 'fastnpc_cache_fenced',
  invalidatorLag: 'fastnpc_invalidator_lag_seconds',
} as const;

/** Monotonic counts one cache keeps in memory; prom-client reads them at scrape time (no cost per operation). */
export interface MetricCounts {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  errors: number;
  loads: number;
  leaseWaits: number;
  leaseWaitTimeouts: number;
  staleSetsRefused: number;
  corruptEntries: number;
}

/** What a cache hands to the metrics: its namespace, its counts, and whether its breaker is open. */
export interface MetricSource {
  readonly namespace: string;
  counts(): MetricCounts;
  breakerOpen(): boolean;
  /** 1 while the fence keeps entries from being served; undefined without a fence. */
  fenced?(): boolean | undefined;
  /** Age of the invalidator's last applied tick (ms) at the fence's last look; undefined when unknown. */
  invalidatorLagMs?(): number | undefined;
}

type CountName = Exclude<keyof MetricCounts, 'hits' | 'misses'>;

const HELP: Record<CountName, string> = {
  sets: 'Values stored (set, getOrLoad fills)',
  deletes: 'Keys deleted (delete, invalidate, deletePattern, clearAll)',
  errors: 'Operations Redis did not serve (failure, timeout, breaker open, corrupt entry)',
  loads: 'Loader calls made by getOrLoad',
  leaseWaits: 'getOrLoad misses that found another loader holding the lease',
  leaseWaitTimeouts: 'Lease waits that ran out (leaseWaitMs) and loaded without storing',
  staleSetsRefused: 'Loaded values not stored because their lease was voided (invalidation or lease expiry)',
  corruptEntries: 'Entries that did not parse as JSON (deleted, served as miss)',
};

interface RegistryState {
  live: Set<MetricSource>;
  /** Final counts of closed caches, per namespace, so counters never go down when a cache closes. */
  retired: Map<string, MetricCounts>;
}

const states = new WeakMap<Registry, RegistryState>();

export function zeroCounts(): MetricCounts {
  return {
    hits: 0,
    misses: 0,
    sets: 0,
    deletes: 0,
    errors: 0,
    loads: 0,
    leaseWaits: 0,
    leaseWaitTimeouts: 0,
    staleSetsRefused: 0,
    corruptEntries: 0,
  };
}

function add(into: MetricCounts, from: MetricCounts): void {
  for (const name of Object.keys(into) as (keyof MetricCounts)[]) into[name] += from[name];
}

/** Sums live and retired counts per namespace. */
function totals(state: RegistryState): Map<string, MetricCounts> {
  const byNamespace = new Map<string, MetricCounts>();
  const of = (ns: string): MetricCounts => {
    let counts = byNamespace.get(ns);
    if (!counts) {
      counts = zeroCounts();
      byNamespace.set(ns, counts);
    }
    return counts;
  };
  for (const [ns, counts] of state.retired) add(of(ns), counts);
  for (const source of state.live) add(of(source.namespace), source.counts());
  return byNamespace;
}

function ensureMetrics(registry: Registry, state: RegistryState): void {
  if (!registry.getSingleMetric(METRIC_NAMES.requests)) {
    new Counter({
      name: METRIC_NAMES.requests,
      help: 'Cache reads (get, getOrLoad) by result: hit or miss (a Redis failure is a miss)',
      labelNames: ['namespace', 'result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [namespace, counts] of totals(state)) {
          this.inc({ namespace, result: 'hit' }, counts.hits);
          this.inc({ namespace, result: 'miss' }, counts.misses);
        }
      },
    });
  }
  for (const name of Object.keys(HELP) as CountName[]) {
    if (registry.getSingleMetric(METRIC_NAMES[name])) continue;
    new Counter({
      name: METRIC_NAMES[name],
      help: HELP[name],
      labelNames: ['namespace'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [namespace, counts] of totals(state)) this.inc({ namespace }, counts[name]);
      },
    });
  }
  if (!registry.getSingleMetric(METRIC_NAMES.breakerOpen)) {
    new Gauge({
      name: METRIC_NAMES.breakerOpen,
      help: '1 while the circuit breaker keeps the cache off Redis',
      labelNames: ['namespace'],
      registers: [registry],
      collect() {
        this.reset();
        const open = new Map<string, number>();
        for (const source of state.live) {
          open.set(source.namespace, Math.max(open.get(source.namespace) ?? 0, source.breakerOpen() ? 1 : 0));
        }
        for (const [namespace, value] of open) this.set({ namespace }, value);
      },
    });
  }
  if (!registry.getSingleMetric(METRIC_NAMES.fenced)) {
    new Gauge({
      name: METRIC_NAMES.fenced,
      help: '1 while the fence after an outage keeps entries from being served (until the invalidator caught up)',
      labelNames: ['namespace'],
      registers: [registry],
      collect() {
        this.reset();
        for (const source of state.live) {
          const fenced = source.fenced?.();
          if (fenced !== undefined) this.set({ namespace: source.namespace }, fenced ? 1 : 0);
        }
      },
    });
  }
  if (!registry.getSingleMetric(METRIC_NAMES.invalidatorLag)) {
    new Gauge({
      name: METRIC_NAMES.invalidatorLag,
      help: 'How far the commit-log invalidator is behind (age of its last applied tick, Redis clock)',
      labelNames: ['namespace'],
      registers: [registry],
      collect() {
        this.reset();
        for (const source of state.live) {
          const lag = source.invalidatorLagMs?.();
          if (lag !== undefined) this.set({ namespace: source.namespace }, lag / 1000);
        }
      },
    });
  }
}

/**
 * Exposes a cache's counts on `registry` (default: prom-client's global registry; `false`: nowhere). The
 * metrics are registered once per registry, so two caches in one process never clash; caches with the same
 * namespace add up into the same series. Returns the function to call on close.
 */
export function registerCacheMetrics(registry: Registry | false | undefined, source: MetricSource): () => void {
  if (registry === false) return () => {};
  const target = registry ?? register;
  let state = states.get(target);
  if (!state) {
    state = { live: new Set(), retired: new Map() };
    states.set(target, state);
  }
  ensureMetrics(target, state);
  state.live.add(source);
  const current = state;
  return () => {
    if (!current.live.delete(source)) return;
    const retired = current.retired.get(source.namespace) ?? zeroCounts();
    add(retired, source.counts());
    current.retired.set(source.namespace, retired);
  };
}
