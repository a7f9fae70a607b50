// The scenario files' options and pure helpers, loaded under vitest with stand-ins for the k6 modules (k6 cannot
// run here — see docs/load.md). What k6 does with these options is not proven by this file.
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = { RATES: '50,100,200', STAGE_DURATION: '10s' };
});
vi.mock('k6', () => ({ check: () => true }));
vi.mock('k6/http', () => ({ default: {} }));
vi.mock('k6/execution', () => ({ default: { scenario: { name: '', iterationInTest: 0 }, vu: { idInTest: 1 } } }));
vi.mock('k6/metrics', () => {
  class Metric {
    constructor(readonly name: string) {}
    add() {}
  }
  return { Counter: Metric, Rate: Metric, Trend: Metric };
});

const cachedReads = await import('../../../load/cached-reads.ts');
const chat = await import('../../../load/chat-100-users.ts');
const consistency = await import('../../../load/two-worker-consistency.ts');

const rung = (p95: number | undefined, dropped = 0) => ({
  values: { ...(p95 === undefined ? {} : { 'p(95)': p95 }), count: dropped, rate: 0 },
});

describe('cached-reads ladder', () => {
  it('runs one constant-arrival-rate scenario per rate, one after another', () => {
    const scenarios = cachedReads.options.scenarios ?? {};
    expect(Object.keys(scenarios)).toEqual(['rate_0050', 'rate_0100', 'rate_0200']);
    expect(Object.values(scenarios).map((s) => s.startTime)).toEqual(['0s', '13s', '26s']);
    expect(scenarios.rate_0100).toMatchObject({ executor: 'constant-arrival-rate', rate: 100, timeUnit: '1s' });
  });

  it('enforces the 5 ms ceiling on the lowest rung only', () => {
    const t = cachedReads.options.thresholds ?? {};
    expect(t['fastnpc_cached_read_duration{stage:rate_0050}']).toEqual(['p(95)<5']);
    expect(t['dropped_iterations{scenario:rate_0050}']).toEqual(['count==0']);
    expect(t['fastnpc_cached_read_duration{stage:rate_0200}']).toEqual(['max>=0']);
    expect(t.fastnpc_cache_hit).toEqual(['rate>0.9']);
  });

  it('reports the highest rate before the first rung that missed', () => {
    const metrics = {
      'fastnpc_cached_read_duration{stage:rate_0050}': rung(1.2),
      'fastnpc_cached_read_duration{stage:rate_0100}': rung(3.9),
      'fastnpc_cached_read_duration{stage:rate_0200}': rung(4.1),
      'dropped_iterations{scenario:rate_0200}': rung(undefined, 12),
    };
    const result = cachedReads.ladder({ metrics, state: { testRunDurationMs: 1 } } as never);
    expect(result.rungs.map((r) => r.ok)).toEqual([true, true, false]);
    expect(result.highestRateUnderCeiling).toBe(100);
  });

  it('reports null when even the lowest rung missed', () => {
    const metrics = { 'fastnpc_cached_read_duration{stage:rate_0050}': rung(6) };
    expect(
      cachedReads.ladder({ metrics, state: { testRunDurationMs: 1 } } as never).highestRateUnderCeiling,
    ).toBeNull();
  });
});

describe('chat-100-users', () => {
  it('sends 100 users × 10 messages per minute at a constant arrival rate for 60 s by default', () => {
    expect(chat.options.scenarios?.chat).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 1000,
      timeUnit: '1m',
      duration: '60s',
    });
  });
});

describe('two-worker consistency', () => {
  it('reads the per-VU counter only from values of this run', () => {
    expect(consistency.counterOf('twc:abc:7', 'abc')).toBe(7);
    expect(consistency.counterOf('twc:old:9', 'abc')).toBe(-1);
    expect(consistency.counterOf(null, 'abc')).toBe(-1);
    expect(consistency.counterOf('twc:abc:x', 'abc')).toBe(-1);
  });

  it('keeps VU ids within the seeded users it logs in (maxVUs = preAllocatedVUs)', () => {
    for (const s of Object.values(consistency.options.scenarios ?? {})) {
      expect(s).toMatchObject({ executor: 'constant-arrival-rate' });
      if (s.executor === 'constant-arrival-rate') expect(s.maxVUs).toBe(s.preAllocatedVUs);
    }
  });
});
