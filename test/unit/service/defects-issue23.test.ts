/**
 * The defects of issue 23's rows: shared-list-key (R11), delete-before-commit (R12), settings-no-invalidate (R13).
 * Each is checked against the healthy wiring as its control.
 */
import { describe, expect, test } from 'vitest';
import type { Cache } from '../../../src/cache/types.ts';
import type { Queryable } from '../../../src/service/db.ts';
import {
  DELETE_TO_COMMIT_MS,
  keySchemeFor,
  parseDefects,
  SHARED_LIST_KEY,
  withDatabaseDefects,
  withoutCommitLogInvalidator,
  withWriteInvalidationDefects,
} from '../../../src/service/defects.ts';
import { createWriteInvalidation } from '../../../src/service/invalidation.ts';
import { FakeCache } from './fake-cache.ts';

const UPSERT = 'INSERT INTO user_settings(user_id, updated_at, profile) VALUES ($1, $2, $3) ON CONFLICT …';

function recordingDb(events: string[]): Queryable & { extra: string } {
  return {
    extra: 'kept',
    query: (async (text: string) => {
      events.push(`query ${text.split(' ').slice(0, 3).join(' ')}`);
      return { rows: [{ xid: '1' }], rowCount: 1 };
    }) as Queryable['query'],
  };
}

function recordingCache(events: string[]): Cache {
  const fake = new FakeCache();
  fake.delete = async (key: string) => {
    events.push(`delete ${key}`);
    return true;
  };
  return fake;
}

describe('issue 23 defects', () => {
  test('shared-list-key: one list key for every user; other keys keep the user id (control: no defect)', () => {
    const shared = keySchemeFor(parseDefects('shared-list-key'));
    expect(shared.characterList(1)).toBe(SHARED_LIST_KEY);
    expect(shared.characterList(2)).toBe(SHARED_LIST_KEY);
    expect(shared.userSettings(1)).not.toBe(shared.userSettings(2));
    const healthy = keySchemeFor(parseDefects(''));
    expect(healthy.characterList(1)).not.toBe(healthy.characterList(2));
  });

  test('delete-before-commit: the settings entry is deleted, then the upsert commits DELETE_TO_COMMIT_MS later', async () => {
    const events: string[] = [];
    const keys = keySchemeFor(parseDefects(''));
    const db = withDatabaseDefects(
      recordingDb(events),
      parseDefects('delete-before-commit'),
      recordingCache(events),
      keys,
    );
    const started = performance.now();
    await db.query(UPSERT, [7, 0, 'x']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(DELETE_TO_COMMIT_MS - 1);
    await db.query('SELECT 1', []);
    expect(events).toEqual([
      `delete ${keys.userSettings(7)}`,
      'query INSERT INTO user_settings(user_id,',
      'query SELECT 1',
    ]);
    expect(db.extra).toBe('kept');
    // control: without the defect the same statement deletes nothing
    const healthyEvents: string[] = [];
    const healthy = withDatabaseDefects(
      recordingDb(healthyEvents),
      parseDefects(''),
      recordingCache(healthyEvents),
      keys,
    );
    await healthy.query(UPSERT, [7, 0, 'x']);
    expect(healthyEvents).toEqual(['query INSERT INTO user_settings(user_id,']);
  });

  test('delete-before-commit and settings-no-invalidate: no delete after the settings commit; other paths still invalidate', async () => {
    for (const defect of ['delete-before-commit', 'settings-no-invalidate'] as const) {
      const fake = new FakeCache();
      const sink = { record: () => {} };
      const inv = withWriteInvalidationDefects(createWriteInvalidation(fake, sink), parseDefects(defect), fake);
      await inv.afterWrite('settings_update', ['user_settings:7'], { xid: '9' });
      await inv.afterWrite('structured_update', ['char_profile:7:a'], { xid: '10' });
      expect(fake.invalidated, defect).toEqual([['char_profile:7:a']]);
      expect(withoutCommitLogInvalidator(parseDefects(defect)), defect).toBe(true);
    }
    // control: the healthy invalidator deletes the settings entry after the commit, and the commit-log one runs
    const fake = new FakeCache();
    const inv = withWriteInvalidationDefects(
      createWriteInvalidation(fake, { record: () => {} }),
      parseDefects(''),
      fake,
    );
    await inv.afterWrite('settings_update', ['user_settings:7'], { xid: '9' });
    expect(fake.invalidated).toEqual([['user_settings:7']]);
    expect(withoutCommitLogInvalidator(parseDefects('no-leases'))).toBe(false);
  });
});
