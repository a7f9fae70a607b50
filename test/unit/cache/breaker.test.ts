import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BreakerState, CircuitBreaker } from '../../../src/cache/breaker.ts';

describe('CircuitBreaker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function make(probeResults: boolean[]) {
    const changes: BreakerState[] = [];
    const probe = vi.fn(async () => probeResults.shift() ?? false);
    const breaker = new CircuitBreaker({
      threshold: 3,
      probeIntervalMs: 1_000,
      probe,
      onChange: (s) => changes.push(s),
    });
    return { breaker, probe, changes };
  }

  it('opens after threshold consecutive failures only', () => {
    const { breaker } = make([]);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.closed).toBe(true);
    breaker.failure();
    expect(breaker.closed).toBe(false);
    breaker.stop();
  });

  it('probes every interval while open and closes on the first successful probe', async () => {
    const { breaker, probe, changes } = make([false, false, true]);
    for (let i = 0; i < 3; i++) breaker.failure();
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(999);
    expect(probe).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(probe).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'closed']);
    // closed again: a single failure does not reopen it
    breaker.failure();
    expect(breaker.closed).toBe(true);
    breaker.stop();
  });

  it('treats a throwing probe as a failed one and stops probing when stopped', async () => {
    const changes: BreakerState[] = [];
    const probe = vi.fn(async (): Promise<boolean> => {
      throw new Error('boom');
    });
    const breaker = new CircuitBreaker({ threshold: 1, probeIntervalMs: 100, probe, onChange: (s) => changes.push(s) });
    breaker.failure();
    await vi.advanceTimersByTimeAsync(350);
    expect(probe).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe('open');
    breaker.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe).toHaveBeenCalledTimes(3);
    expect(changes).toEqual(['open']);
  });
  it('probeNow: probes at once while open (one probe for concurrent callers), then on schedule again if it failed', async () => {
    const { breaker, probe, changes } = make([false, true]);
    await breaker.probeNow(); // closed: nothing to probe
    expect(probe).not.toHaveBeenCalled();
    for (let i = 0; i < 3; i++) breaker.failure();
    await Promise.all([breaker.probeNow(), breaker.probeNow()]);
    expect(probe).toHaveBeenCalledTimes(1); // shared, and long before the 1 s schedule
    expect(breaker.state).toBe('open');
    // right after a failed probe, asking again does not probe again (a write's retry must not wait twice)
    await breaker.probeNow();
    expect(probe).toHaveBeenCalledTimes(1);
    // the failed probe rescheduled the next one a whole interval later
    await vi.advanceTimersByTimeAsync(999);
    expect(probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'closed']);
    breaker.stop();
  });

  it('probeNow closes an open breaker at once when Redis answers (control: without it, it stays open until the schedule)', async () => {
    const asked = make([true]);
    for (let i = 0; i < 3; i++) asked.breaker.failure();
    await asked.breaker.probeNow();
    expect(asked.breaker.state).toBe('closed');
    asked.breaker.stop();
    const waiting = make([true]);
    for (let i = 0; i < 3; i++) waiting.breaker.failure();
    await vi.advanceTimersByTimeAsync(10);
    expect(waiting.breaker.state).toBe('open');
    waiting.breaker.stop();
  });
});
