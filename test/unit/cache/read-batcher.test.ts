import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../../../src/cache/read-batcher.ts';

function recording(values: Record<string, string>) {
  const batches: string[][] = [];
  const batcher = new ReadBatcher(async (keys) => {
    batches.push(keys);
    return keys.map((k) => values[k] ?? null);
  }, 4);
  return { batches, batcher };
}

describe('ReadBatcher', () => {
  it('sends the reads of one turn as one batch and answers each with its own value', async () => {
    const { batches, batcher } = recording({ a: '1', b: '2' });
    const got = await Promise.all([batcher.get('a'), batcher.get('b'), batcher.get('missing')]);
    expect(got).toEqual(['1', '2', null]);
    expect(batches).toEqual([['a', 'b', 'missing']]);
  });

  it('never shares a read: the same key asked twice is sent twice', async () => {
    const { batches, batcher } = recording({ a: '1' });
    expect(await Promise.all([batcher.get('a'), batcher.get('a')])).toEqual(['1', '1']);
    expect(batches).toEqual([['a', 'a']]);
  });

  it('a read asked after a batch left goes in a later batch (it sees writes that completed before it)', async () => {
    const values: Record<string, string> = { a: 'old' };
    const { batches, batcher } = recording(values);
    const first = batcher.get('a');
    await first;
    values.a = 'new';
    expect(await batcher.get('a')).toBe('new');
    expect(batches).toEqual([['a'], ['a']]);
  });

  it('reads asked by separate callbacks of one event-loop phase join one batch (requests of one poll phase)', async () => {
    // Each incoming HTTP request is its own I/O callback; a flush on process.nextTick would leave after the first
    // callback (one GET per request). Two setImmediate callbacks queued together run in one check phase, like
    // the sockets one poll phase reads.
    const { batches, batcher } = recording({ a: '1', b: '2' });
    const got = await new Promise<(string | null)[]>((resolve) => {
      const answers: Promise<string | null>[] = [];
      setImmediate(() => answers.push(batcher.get('a')));
      setImmediate(() => {
        answers.push(batcher.get('b'));
        resolve(Promise.all(answers));
      });
    });
    expect(got).toEqual(['1', '2']);
    expect(batches).toEqual([['a', 'b']]);
  });

  it('reads woken by one reply join one batch (promise jobs run before the batch leaves)', async () => {
    const { batches, batcher } = recording({ k: 'v' });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const lanes = [1, 2, 3].map(async () => {
      await gate;
      await Promise.resolve();
      return await batcher.get('k');
    });
    release();
    expect(await Promise.all(lanes)).toEqual(['v', 'v', 'v']);
    expect(batches).toEqual([['k', 'k', 'k']]);
  });

  it('splits a burst larger than maxBatch', async () => {
    const { batches, batcher } = recording({});
    await Promise.all(Array.from({ length: 9 }, (_, i) => batcher.get(`k${i}`)));
    expect(batches.map((b) => b.length)).toEqual([4, 4, 1]);
  });

  it('a failed batch fails each of its reads, and the next batch is sent anew', async () => {
    let fail = true;
    const batcher = new ReadBatcher(async (keys) => {
      if (fail) throw new Error('connection lost');
      return keys.map(() => 'ok');
    });
    const results = await Promise.allSettled([batcher.get('a'), batcher.get('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.get('a')).toBe('ok');
  });

  it('a send that throws synchronously rejects the batch instead of throwing at the caller', async () => {
    const batcher = new ReadBatcher(() => {
      throw new Error('not connected');
    });
    await expect(batcher.get('a')).rejects.toThrow('not connected');
  });

  it('refuses a maxBatch that is not a positive integer', () => {
    expect(() => new ReadBatcher(async () => [], 0)).toThrow(RangeError);
  });

  describe('with hooks (the cache decodes and counts once per batch)', () => {
    function hooked(send: (keys: string[]) => Promise<(string | null)[]>) {
      const events: string[] = [];
      let next = 0;
      const batcher = new ReadBatcher<string>(send, 4, {
        leaving: () => {
          events.push(`leaving ${next}`);
          return next++;
        },
        settled: (token) => events.push(`settled ${token}`),
        value: (raw, key, tag) => {
          if (key === 'throws') throw new Error('hook failed');
          return `${key}=${raw ?? 'none'}/${tag}`;
        },
        failed: (error, key, tag) => `${key} failed: ${(error as Error).message}/${tag}`,
      });
      return { batcher, events };
    }

    it('resolves each read to what the value hook made of it, with its tag; one leaving/settled per batch', async () => {
      const { batcher, events } = hooked(async (keys) => keys.map((k) => (k === 'a' ? '1' : null)));
      expect(await Promise.all([batcher.get('a', 1), batcher.get('b')])).toEqual(['a=1/1', 'b=none/undefined']);
      expect(events).toEqual(['leaving 0', 'settled 0']);
    });

    it('a failed batch resolves each read through the failed hook (no rejection), settled first', async () => {
      const { batcher, events } = hooked(async () => {
        throw new Error('reset');
      });
      expect(await Promise.all([batcher.get('a'), batcher.get('b', 1)])).toEqual([
        'a failed: reset/undefined',
        'b failed: reset/1',
      ]);
      expect(events).toEqual(['leaving 0', 'settled 0']);
    });

    it('a hook that throws fails only its own read', async () => {
      const { batcher } = hooked(async (keys) => keys.map(() => 'v'));
      const results = await Promise.allSettled([batcher.get('a'), batcher.get('throws'), batcher.get('c')]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    });
  });
});
