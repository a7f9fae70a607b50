import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCacheMetrics, METRIC_NAMES } from '../../../src/cache/metrics.ts';
import { addTally, emptyTally, isEmptyTally, tallyFromHash, toCounters } from '../../../src/cache/stats.ts';

describe('stats', () => {
  it('computes hitRate and totalRequests', () => {
    expect(toCounters({ hits: 2, misses: 1, sets: 1, deletes: 1, errors: 0 })).toEqual({
      hits: 2,
      misses: 1,
      sets: 1,
      deletes: 1,
      errors: 0,
      hitRate: 2 / 3,
      totalRequests: 3,
    });
    expect(toCounters(emptyTally()).hitRate).toBe(0);
  });

  it('reads Redis hashes tolerating missing and garbled fields', () => {
    expect(tallyFromHash({ hits: '5', misses: 'x' })).toEqual({ hits: 5, misses: 0, sets: 0, deletes: 0, errors: 0 });
    expect(tallyFromHash(null)).toEqual(emptyTally());
  });

  it('adds tallies', () => {
    const t = emptyTally();
    expect(isEmptyTally(t)).toBe(true);
    addTally(t, { hits: 1, misses: 2, sets: 3, deletes: 4, errors: 5 });
    addTally(t, { hits: 1, misses: 0, sets: 0, deletes: 0, errors: 0 });
    expect(t).toEqual({ hits: 2, misses: 2, sets: 3, deletes: 4, errors: 5 });
    expect(isEmptyTally(t)).toBe(false);
  });
});

describe('metrics', () => {
  it('two caches on one registry do not clash and add up', async () => {
    const registry = new Registry();
    const a = createCacheMetrics('fastnpc', registry);
    const b = createCacheMetrics('fastnpc', registry);
    a.hits.inc();
    b.hits.inc();
    b.misses.inc();
    a.breakerOpen(true);
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="fastnpc",result="hit"} 2`);
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="fastnpc",result="miss"} 1`);
    expect(text).toContain(`${METRIC_NAMES.breakerOpen}{namespace="fastnpc"} 1`);
  });

  it('registry: false counts nothing and registers nothing', async () => {
    const m = createCacheMetrics('x', false);
    m.hits.inc();
    expect(m.hits).toBeDefined();
  });
});
