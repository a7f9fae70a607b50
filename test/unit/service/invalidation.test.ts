import { describe, expect, it, vi } from 'vitest';
import {
  createLoggingFailureSink,
  createWriteInvalidation,
  type InvalidationFailure,
} from '../../../src/service/invalidation.ts';
import { FakeCache } from './fake-cache.ts';

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe("WriteInvalidation (the write path's synchronous delete)", () => {
  it('invalidates exactly the keys of the write path', async () => {
    const cache = new FakeCache();
    const sink = { record: vi.fn() };
    await createWriteInvalidation(cache, sink).afterWrite('settings_update', ['user_settings:1']);
    expect(cache.invalidated).toEqual([['user_settings:1']]);
    expect(sink.record).not.toHaveBeenCalled();
  });

  it('an unconfirmed invalidation does not fail the write: it goes to the sink with path and keys', async () => {
    const cache = new FakeCache();
    cache.failInvalidate = true;
    const failures: InvalidationFailure[] = [];
    const invalidator = createWriteInvalidation(cache, { record: (f) => void failures.push(f) });
    await expect(
      invalidator.afterWrite('structured_update', ['char_profile:1:x', 'char_list:1']),
    ).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ path: 'structured_update', keys: ['char_profile:1:x', 'char_list:1'] });
  });

  it('a retry that Redis confirms does not reach the sink', async () => {
    const cache = new FakeCache();
    let calls = 0;
    cache.invalidate = async (...keys: string[]) => {
      cache.invalidated.push(keys);
      calls += 1;
      if (calls === 1) throw new Error('stalled');
    };
    const sink = { record: vi.fn() };
    await createWriteInvalidation(cache, sink, { retryDelayMs: 1 }).afterWrite('character_copy', ['k']);
    expect(cache.invalidated).toEqual([['k'], ['k']]);
    expect(sink.record).not.toHaveBeenCalled();
  });

  it('a sink that throws still does not fail the write', async () => {
    const cache = new FakeCache();
    cache.failInvalidate = true;
    const invalidator = createWriteInvalidation(cache, {
      record: () => {
        throw new Error('sink down');
      },
    });
    await expect(invalidator.afterWrite('memories_save', ['k'])).resolves.toBeUndefined();
  });

  it('marks the keys for the write transaction only once their invalidation is confirmed', async () => {
    const cache = new FakeCache();
    const order: string[] = [];
    const invalidate = cache.invalidate.bind(cache);
    cache.invalidate = async (...keys) => {
      order.push('invalidate');
      await invalidate(...keys);
    };
    const mark = cache.markInvalidated.bind(cache);
    cache.markInvalidated = async (xid, keys) => {
      order.push('mark');
      return mark(xid, keys);
    };
    await createWriteInvalidation(cache, { record: vi.fn() }).afterWrite('settings_update', ['user_settings:1'], {
      xid: '77',
    });
    expect(cache.marked).toEqual([['77', ['user_settings:1']]]);
    expect(order).toEqual(['invalidate', 'mark']);
  });

  it('no marker when the invalidation was not confirmed, when skipped, or without an xid', async () => {
    const cache = new FakeCache();
    cache.failInvalidate = true;
    await createWriteInvalidation(cache, { record: vi.fn() }, { retryDelayMs: 1 }).afterWrite('memories_save', ['a'], {
      xid: '1',
    });
    cache.failInvalidate = false;
    const skipping = createWriteInvalidation(cache, { record: vi.fn() }, { skip: new Set(['structured_update']) });
    await skipping.afterWrite('structured_update', ['b'], { xid: '2' });
    await skipping.afterWrite('memories_save', ['c']);
    expect(cache.invalidated).toEqual([['a'], ['a'], ['c']]);
    expect(cache.marked).toEqual([]);
  });

  it('markers: false (no commit-log invalidator to read them) deletes but writes no marker', async () => {
    const cache = new FakeCache();
    await createWriteInvalidation(cache, { record: vi.fn() }, { markers: false }).afterWrite(
      'settings_update',
      ['user_settings:1'],
      { xid: '5' },
    );
    expect(cache.invalidated).toEqual([['user_settings:1']]);
    expect(cache.marked).toEqual([]);
  });

  it('the test seam skips only the named paths', async () => {
    const cache = new FakeCache();
    const invalidator = createWriteInvalidation(cache, { record: vi.fn() }, { skip: new Set(['memories_save']) });
    await invalidator.afterWrite('memories_save', ['a']);
    await invalidator.afterWrite('character_delete', ['b']);
    expect(cache.invalidated).toEqual([['b']]);
  });
});

describe('default failure sink', () => {
  it('logs (keys, path, reason — no values) and counts', () => {
    const log = logger();
    const counter = { inc: vi.fn() };
    const sink = createLoggingFailureSink(log, counter as never);
    sink.record({ path: 'account_delete', keys: ['user_settings:9'], error: new Error('timeout'), at: 0 });
    expect(sink.count).toBe(1);
    expect(counter.inc).toHaveBeenCalledWith({ path: 'account_delete' });
    expect(log.error).toHaveBeenCalledWith(
      { path: 'account_delete', keys: ['user_settings:9'], err: 'timeout' },
      expect.stringContaining('not confirmed'),
    );
  });
});
