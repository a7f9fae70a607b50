import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { externalTarget, readUsersFile } from '../../../acceptance/target/external.ts';
import { parseProfileName, profileFor, targetFromEnv } from '../../../acceptance/target/index.ts';
import { parseArgs, UsageError } from '../../../src/gate/args.ts';

describe('target profiles', () => {
  test('plan: FastNPC’s own keys, no namespace, names as the app stores them', () => {
    const plan = profileFor('plan');
    expect(plan.settings(7)).toBe('user_settings:7');
    expect(plan.characterId(7, '李白')).toEqual(['char_id:7:李白']);
    expect(plan.profile(7, 'a_b')).toEqual(['char_profile:7:a_b']);
    expect(plan.list(7)).toBe('char_list:7');
    expect(plan.statsHash).toBeUndefined();
    expect(plan.entryGlobs).toContain('prompt:*');
  });

  test('reference: our namespace and encoded names; raw concatenation as a second candidate', () => {
    const ref = profileFor('reference');
    expect(ref.settings(7)).toBe('fastnpc:user_settings:7');
    expect(ref.profile(7, 'a:b')).toEqual(['fastnpc:char_profile:7:a%3Ab', 'fastnpc:char_profile:7:a:b']);
    expect(ref.list(7)).toBe('fastnpc:char_list:7');
    expect(ref.statsHash).toBe('fastnpc:__cache__:{stats}:system');
    // a user's globs never match another user's entries (7 vs 70)
    expect(ref.userGlobs(7).some((g) => g.includes('7*'))).toBe(false);
  });

  test('selected by ACCEPTANCE_PROFILE or --profile; unknown names refused', () => {
    expect(targetFromEnv({ ACCEPTANCE_PROFILE: 'plan' }).profile).toBe('plan');
    expect(targetFromEnv({}).profile).toBeUndefined();
    expect(() => targetFromEnv({ ACCEPTANCE_PROFILE: 'redis' })).toThrow(/ACCEPTANCE_PROFILE: profile must be one of/);
    expect(parseArgs(['--profile', 'reference']).profile).toBe('reference');
    expect(() => parseArgs(['--profile', 'x'])).toThrow(UsageError);
    expect(parseProfileName(' Plan ')).toBe('plan');
  });

  test('an external target defaults to plan; defects are refused there', () => {
    const request = {
      ...targetFromEnv({}),
      kind: 'external' as const,
      baseUrl: 'http://a:1/',
      redisUrl: 'redis://b:2',
    };
    const started = externalTarget(request, {});
    expect(started.info.profile).toBe('plan');
    expect(started.info.baseUrl).toBe('http://a:1');
    expect(() => externalTarget({ ...request, defects: ['admin-403'] }, {})).toThrow(/local reference service only/);
  });

  test('the users file is checked, with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'users-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify([{ username: 'u', password: 'p', characters: ['李白'] }]));
    expect(readUsersFile(good)).toEqual([{ username: 'u', password: 'p', characters: ['李白'] }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ username: 'u' }]));
    expect(() => readUsersFile(bad)).toThrow(/entry 0 needs/);
    expect(() => readUsersFile(join(dir, 'missing.json'))).toThrow(/ACCEPTANCE_USERS_FILE/);
  });
});
