import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, registerCacheMetrics, zeroCounts } from '../../../src/cache/metrics.ts';
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
  function source(namespace: string, hits: number, open = false) {
    const counts = { ...zeroCounts(), hits, misses: 1 };
    return { namespace, counts: () => ({ ...counts }), breakerOpen: () => open, bump: () => counts.hits++ };
  }

  it('two caches on one registry do not clash and add up; counts are read at scrape time', async () => {
    const registry = new Registry();
    const a = source('fastnpc', 2);
    const b = source('fastnpc', 3, true);
    registerCacheMetrics(registry, a);
    const unregisterB = registerCacheMetrics(registry, b);
    a.bump();
    let text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="fastnpc",result="hit"} 6`);
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="fastnpc",result="miss"} 2`);
    expect(text).toContain(`${METRIC_NAMES.breakerOpen}{namespace="fastnpc"} 1`);
    // a closed cache's counts stay in the counter (counters never go down)
    unregisterB();
    text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="fastnpc",result="hit"} 6`);
    expect(text).toContain(`${METRIC_NAMES.breakerOpen}{namespace="fastnpc"} 0`);
  });

  it('keeps namespaces apart and registers nothing for registry: false', async () => {
    const registry = new Registry();
    registerCacheMetrics(registry, source('a', 1));
    registerCacheMetrics(registry, source('b', 4));
    registerCacheMetrics(false, source('c', 9));
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="a",result="hit"} 1`);
    expect(text).toContain(`${METRIC_NAMES.requests}{namespace="b",result="hit"} 4`);
    expect(text).not.toContain('namespace="c"');
  });
});
