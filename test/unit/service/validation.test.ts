import { describe, expect, it } from 'vitest';
import {
  parseClearPattern,
  parseMemories,
  parseRoleName,
  parseSettingsUpdate,
  parseStructured,
  ValidationError,
} from '../../../src/service/validation.ts';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  return undefined;
}

describe('parseSettingsUpdate (FastNPC rules)', () => {
  it('accepts a partial body and keeps only the fields given', () => {
    expect(parseSettingsUpdate({ ctx_max_chat: 50 })).toEqual({ ctx_max_chat: 50 });
    expect(parseSettingsUpdate({ ctx_max_ltm: '5000', profile: '  你好  ' })).toEqual({
      ctx_max_ltm: 5000,
      profile: '你好',
    });
    expect(parseSettingsUpdate({ default_model: 'deepseek/deepseek-chat-v3.1:free' })).toEqual({
      default_model: 'deepseek/deepseek-chat-v3.1:free',
    });
    expect(parseSettingsUpdate({ default_model: '', profile: null, ctx_max_stm: null })).toEqual({
      default_model: null,
      profile: null,
      ctx_max_stm: null,
    });
    expect(parseSettingsUpdate({})).toEqual({});
  });

  it.each([
    [{ ctx_max_chat: 49 }, 'ctx_max_chat'],
    [{ ctx_max_chat: 5001 }, 'ctx_max_chat'],
    [{ ctx_max_stm: 1.5 }, 'ctx_max_stm'],
    [{ ctx_max_ltm: 'abc' }, 'ctx_max_ltm'],
    [{ profile: 'x'.repeat(201) }, 'profile'],
    [{ profile: 5 }, 'profile'],
    [{ max_group_reply_rounds: 2 }, 'max_group_reply_rounds'],
    [{ max_group_reply_rounds: 11 }, 'max_group_reply_rounds'],
    [{ default_model: 'gpt-4' }, 'default_model'],
    [[], 'body'],
    [null, 'body'],
  ])('%j → ValidationError on %s', (body, field) => {
    expect(fieldOf(() => parseSettingsUpdate(body))).toBe(field);
  });

  it('counts the profile in characters, not UTF-16 units (200 CJK/emoji characters pass)', () => {
    expect(parseSettingsUpdate({ profile: '🐉'.repeat(200) }).profile).toHaveLength(400);
    expect(fieldOf(() => parseSettingsUpdate({ profile: '🐉'.repeat(201) }))).toBe('profile');
  });

  it('the message starts with the field and says why', () => {
    expect(() => parseSettingsUpdate({ ctx_max_chat: 10 })).toThrow(/^ctx_max_chat must be between 50 and 5000$/);
  });
});

describe('other request bodies', () => {
  it('role names: trimmed, non-empty, ≤ 100 characters, no control characters; hostile glob text is fine', () => {
    expect(parseRoleName('  李白 ')).toBe('李白');
    expect(parseRoleName('*')).toBe('*');
    expect(parseRoleName('a:b?[c]')).toBe('a:b?[c]');
    expect(fieldOf(() => parseRoleName(''))).toBe('role');
    expect(fieldOf(() => parseRoleName('x'.repeat(101)))).toBe('role');
    expect(fieldOf(() => parseRoleName('a\nb', 'new_name'))).toBe('new_name');
    expect(fieldOf(() => parseRoleName(5))).toBe('role');
  });

  it('memories need a list of strings of at least one kind', () => {
    expect(parseMemories({ short_term: ['a'] })).toEqual({ short_term: ['a'] });
    expect(fieldOf(() => parseMemories({}))).toBe('body');
    expect(fieldOf(() => parseMemories({ long_term: [1] }))).toBe('long_term');
    expect(fieldOf(() => parseMemories({ short_term: 'a' }))).toBe('short_term');
  });

  it('structured bodies are objects of objects', () => {
    expect(parseStructured({ 基础身份信息: { 姓名: 'x' } })).toEqual({ 基础身份信息: { 姓名: 'x' } });
    expect(fieldOf(() => parseStructured({ 基础身份信息: 'x' }))).toBe('基础身份信息');
    expect(fieldOf(() => parseStructured([]))).toBe('body');
  });

  it('clear patterns: none = all, control characters and overlong patterns are refused', () => {
    expect(parseClearPattern(undefined)).toBeUndefined();
    expect(parseClearPattern('')).toBeUndefined();
    expect(parseClearPattern('char_list:*')).toBe('char_list:*');
    expect(fieldOf(() => parseClearPattern('a\u0000'))).toBe('pattern');
    expect(fieldOf(() => parseClearPattern('x'.repeat(201)))).toBe('pattern');
  });
});
