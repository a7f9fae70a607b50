import { describe, expect, it } from 'vitest';
import type { ProvisionError } from '../../../provisioning/lib/command/errors.ts';
import { checkMaxmemory, parseMemory, planNeedsMb, REDIS_ROOM_MB } from '../../../provisioning/lib/config/budget.ts';

const GB = 1024 ** 3;
const check = (maxmemory: string, persistence = true, totalRamBytes = 2 * GB) =>
  checkMaxmemory({ maxmemory, persistence, totalRamBytes });
const refusal = (fn: () => unknown): ProvisionError => {
  try {
    fn();
  } catch (error) {
    return error as ProvisionError;
  }
  throw new Error('not refused');
};

describe('parseMemory (Redis units)', () => {
  it('reads the units as redis-server does', () => {
    expect(parseMemory('200mb')).toBe(209_715_200);
    expect(parseMemory('200m')).toBe(200_000_000);
    expect(parseMemory('1gb')).toBe(GB);
    expect(parseMemory('1G')).toBe(1e9);
    expect(parseMemory('512kb')).toBe(524_288);
    expect(parseMemory('1024')).toBe(1024);
    expect(parseMemory('lots')).toBeUndefined();
    expect(parseMemory('12tb')).toBeUndefined();
  });
});

describe("checkMaxmemory (the plan's 2 GB budget)", () => {
  it("accepts the plan's 200mb", () => {
    expect(check('200mb')).toBe(209_715_200);
  });

  it('leaves 848 MB for Redis after OS 300, workers 500, PostgreSQL 200, other 200', () => {
    expect(REDIS_ROOM_MB).toBe(848);
  });

  it('halves the room with snapshots on (copy-on-write of the fork), not without', () => {
    expect(() => check('424mb')).not.toThrow();
    const error = refusal(() => check('500mb'));
    expect(error.code).toBe('E_BUDGET');
    expect(error.message).toMatch(/copy-on-write/);
    expect(error.message).toMatch(/at most 424mb/);
    expect(() => check('500mb', false)).not.toThrow();
    expect(() => check('900mb', false)).toThrow(/at most 848mb/);
  });

  it('refuses 2000gb explaining the budget and the half-of-RAM rule', () => {
    const error = refusal(() => check('2000gb', true, 24 * GB));
    expect(error.exitCode).toBe(2); // usage error: nothing ran (docs/exit-codes.md)
    expect(error.message).toMatch(/--maxmemory 2000gb refused/);
    expect(error.message).toMatch(/OS.*app workers.*PostgreSQL/);
    expect(error.message).toMatch(/half of this host's RAM/);
  });

  it('refuses beyond half of RAM on a smaller host', () => {
    expect(() => check('300mb', true, 512 * 1024 * 1024)).toThrow(/half of this host's RAM/);
  });

  it('refuses a host too small for the plan, with the figures; the 2 GB host and 1.4 GB fit 200mb', () => {
    const error = refusal(() =>
      checkMaxmemory({ maxmemory: '200mb', persistence: true, totalRamBytes: GB, ramSource: 'memory cgroup limit' }),
    );
    expect(error.code).toBe('E_BUDGET');
    expect(error.message).toContain(
      "this host is too small for the plan: it has 1024 MB, memory cgroup limit and needs 1400 MB — OS 300 + two app workers 500 + PostgreSQL 200 + Redis 200 + 200 for a snapshot's copy-on-write",
    );
    expect(planNeedsMb(209_715_200, true)).toBe(1400);
    expect(planNeedsMb(209_715_200, false)).toBe(1200);
    expect(() => check('200mb', true, 1400 * 1024 * 1024)).not.toThrow();
    expect(() => check('200mb', false, 1200 * 1024 * 1024)).not.toThrow();
    expect(() => check('200mb', true, 1399 * 1024 * 1024)).toThrow(/too small for the plan/);
  });

  it('refuses 0 (no limit), tiny values and nonsense', () => {
    expect(() => check('0')).toThrow(/no limit/);
    expect(() => check('10kb')).toThrow(/below 1 MB/);
    expect(refusal(() => check('much')).code).toBe('E_USAGE');
  });
});
