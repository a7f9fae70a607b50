import { describe, expect, test } from 'vitest';
import { monitorRepr } from '../../../acceptance/support/cache-read-probe.ts';

describe('monitorRepr: a key as MONITOR prints it (after ioredis unescaped \\")', () => {
  test('ASCII keys stay as they are', () => {
    expect(monitorRepr('fastnpc:user_settings:12')).toBe('fastnpc:user_settings:12');
  });
  test('non-ASCII bytes become lowercase \\xNN, backslash and control characters are escaped', () => {
    expect(monitorRepr('k:李')).toBe('k:\\xe6\\x9d\\x8e');
    expect(monitorRepr('a\\b\n"c"')).toBe('a\\\\b\\n"c"');
  });
});
