import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../../src/service/db-unavailable.ts';
import { checkJsonBody, MAX_JSON_DEPTH } from '../../../src/service/hostile-input.ts';
import { parseRoleName, ValidationError } from '../../../src/service/validation.ts';

describe('checkJsonBody', () => {
  it('refuses NUL and lone surrogates in values and keys, naming the field', () => {
    expect(() => checkJsonBody({ profile: 'a\u0000' })).toThrow(/profile must not contain NUL/);
    expect(() => checkJsonBody({ s: { t: ['ok', 'x\udc00'] } })).toThrow(/s\.t\.1 must not contain a lone/);
    expect(() => checkJsonBody({ 'k\u0000': 1 })).toThrow(ValidationError);
  });
  it('accepts surrogate pairs (emoji) and ordinary nesting', () => {
    expect(() => checkJsonBody({ name: '😀'.repeat(100), a: { b: { c: [1, 2] } } })).not.toThrow();
  });
  it('refuses nesting deeper than the limit without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(() => checkJsonBody(deep)).toThrow(new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
  });
});

describe('parseRoleName', () => {
  it('refuses "." and ".." and lone surrogates; accepts 100 emoji', () => {
    expect(() => parseRoleName('.')).toThrow(/not addressable/);
    expect(() => parseRoleName('..')).toThrow(/not addressable/);
    expect(() => parseRoleName('a\ud800')).toThrow(/surrogate/);
    expect(parseRoleName('😀'.repeat(100))).toBe('😀'.repeat(100));
    expect(() => parseRoleName('😀'.repeat(101))).toThrow(/at most 100/);
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises a restarting or unreachable PostgreSQL, not a bad statement', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('duplicate key'))).toBe(false);
  });
});
