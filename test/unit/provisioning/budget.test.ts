import { describe, expect, it } from 'vitest';
import type { ProvisionError } from '../../../provisioning/lib/command/errors.ts';
import { checkMaxmemory, parseMemory, REDIS_ROOM_MB } from '../../../provisioning/lib/config/budget.ts';

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

  it('refuses 0 (no limit), tiny values and nonsense', () => {
    expect(() => check('0')).toThrow(/no limit/);
    expect(() => check('10kb')).toThrow(/below 1 MB/);
    expect(refusal(() => check('much')).code).toBe('E_USAGE');
  });
});
