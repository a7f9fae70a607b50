// A stale read names what a diagnosis needs: the worker that served it, its X-Cache, and how long after which
// worker answered the write it came (CI's one unexplained F6 stale read said only "expected 54 got 53").
import { expect, test } from 'vitest';
import { describeStaleRead } from '../../../../acceptance/faults/support/workload.ts';

test('describes the serving worker, its cache status and the write it missed', () => {
  const read = { at: 0, user: 'u1', expected: 54, got: 53, via: 2, cache: 'hit', ackVia: 1, sinceAckMs: 12 } as const;
  expect(describeStaleRead(read)).toBe(
    'u1 expected 54 got 53 (worker 2, cache hit, 12 ms after worker 1 answered the write)',
  );
  expect(describeStaleRead({ ...read, cache: undefined, ackVia: undefined, sinceAckMs: undefined })).toBe(
    'u1 expected 54 got 53 (worker 2, cache unknown)',
  );
});
