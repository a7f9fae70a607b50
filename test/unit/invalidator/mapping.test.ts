import { describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/index.ts';
import { formatLsn, fromSortable, parseLsn, sortableLsn } from '../../../src/invalidator/lsn.ts';
import { isEntryOrLease } from '../../../src/invalidator/marker.ts';
import { keysFor, PLAN_PROFILE, PROFILES } from '../../../src/invalidator/profiles.ts';
import { slotName } from '../../../src/invalidator/slot.ts';
import { MIGRATIONS, SCHEMA_TABLES } from '../../../src/service/store/migrations.ts';

describe('WAL positions', () => {
  it('parse, format and sort like the number they are', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('0/1A09078'))).toBe('0/1A09078');
    const a = sortableLsn(parseLsn('0/FFFFFFFF'));
    const b = sortableLsn(parseLsn('1/0'));
    expect(a < b).toBe(true); // string order = WAL order (compared inside Lua)
    expect(fromSortable(b)).toBe(parseLsn('1/0'));
    expect(() => parseLsn('nonsense')).toThrow(/not a WAL position/);
  });
});

describe('profiles', () => {
  it('plan: a character row maps to its id, profile and list entries (plan key names)', () => {
    const rule = PLAN_PROFILE.characters!;
    expect(keysFor(rule.entries, 7, '李白')).toEqual([
      keys.characterId(7, '李白'),
      keys.characterProfile(7, '李白'),
      keys.characterList(7),
    ]);
  });
  it('covers the structured update FastNPC forgets (section tables → profile and list)', () => {
    expect(PLAN_PROFILE.character_basic_info?.entries).toEqual(['profile', 'list']);
    expect(PLAN_PROFILE.character_memories?.entries).toEqual(['profile']);
    expect(PLAN_PROFILE.user_settings?.entries).toEqual(['settings']);
    expect(PLAN_PROFILE.messages).toBeUndefined();
  });
  it('every table the migrations create is declared once in SCHEMA_TABLES: watched by the profile, or uncached', () => {
    const created = MIGRATIONS.flatMap((sql) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(sql)?.[1] ?? []);
    expect(created.length).toBeGreaterThan(10);
    const uncached: readonly string[] = SCHEMA_TABLES.uncached;
    for (const table of created) {
      expect(PLAN_PROFILE[table] !== undefined || uncached.includes(table), `${table} is in SCHEMA_TABLES`).toBe(true);
      expect(PLAN_PROFILE[table] !== undefined && uncached.includes(table), `${table} both watched and uncached`).toBe(
        false,
      );
    }
    // and nothing watched that the schema does not create
    for (const table of Object.keys(PLAN_PROFILE)) expect(created).toContain(table);
  });
  it('has the profiles the CLI offers', () => {
    expect(Object.keys(PROFILES)).toEqual(['plan', 'reference']);
  });
  it('a name that needs encoding gets the same key as the service builds', () => {
    expect(keysFor(['char_id'], 1, 'a:b*')).toEqual([keys.characterId(1, 'a:b*')]);
  });
});

describe('what the invalidator may empty', () => {
  it('entries and leases of its namespace, never statistics, the marker or other namespaces', () => {
    expect(isEntryOrLease('fastnpc', 'fastnpc:user_settings:1')).toBe(true);
    expect(isEntryOrLease('fastnpc', 'fastnpc:__cache__:lease:user_settings:1')).toBe(true);
    expect(isEntryOrLease('fastnpc', 'fastnpc:__cache__:{stats}:system')).toBe(false);
    expect(isEntryOrLease('fastnpc', 'fastnpc:__cache__:consistency')).toBe(false);
    expect(isEntryOrLease('fastnpc', 'fastnpc2:user_settings:1')).toBe(false);
  });
  it('slot names are valid PostgreSQL slot names', () => {
    expect(slotName('fastnpc')).toBe('fastnpc_invalidator');
    expect(slotName('Fast-NPC.v2')).toMatch(/^[a-z0-9_]+$/);
  });
});
