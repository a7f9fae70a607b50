import { describe, expect, it } from 'vitest';
import { bindForVersion } from '../../../provisioning/lib/checks/audit.ts';

describe("the audit's expected bind follows the server's Redis version", () => {
  it('Redis 6.0 (no optional addresses): "127.0.0.1 -::1" is expected as "127.0.0.1 ::1", what provisioning renders', () => {
    expect(bindForVersion('127.0.0.1 -::1', '6.0.16')).toBe('127.0.0.1 ::1');
  });
  it('6.2 and later keep the optional "-::1"; an unknown version changes nothing', () => {
    expect(bindForVersion('127.0.0.1 -::1', '6.2.0')).toBe('127.0.0.1 -::1');
    expect(bindForVersion('127.0.0.1 -::1', '7.0.15')).toBe('127.0.0.1 -::1');
    expect(bindForVersion('127.0.0.1 -::1', '')).toBe('127.0.0.1 -::1');
  });
});
