import { describe, expect, it, vi } from 'vitest';
import { cached } from '../../../src/cache/cached.ts';
import { keys } from '../../../src/cache/keys.ts';
import type { Cache } from '../../../src/cache/types.ts';

describe('cached', () => {
  it('reads through getOrLoad under the built key, passing arguments and options', async () => {
    const getOrLoad = vi.fn(async (_key: string, loader: () => Promise<unknown>) => loader());
    const cache = { getOrLoad } as unknown as Cache;
    const load = vi.fn(async (uid: number, role: string) => ({ uid, role }));
    const profile = cached(cache, (uid: number, role: string) => keys.characterProfile(uid, role), load, {
      ttlSeconds: 300,
    });
    expect(await profile(42, '李白:*')).toEqual({ uid: 42, role: '李白:*' });
    expect(getOrLoad).toHaveBeenCalledWith('char_profile:42:李白%3A%2A', expect.any(Function), { ttlSeconds: 300 });
    expect(load).toHaveBeenCalledWith(42, '李白:*');
  });
});
