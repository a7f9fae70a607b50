/**
 * The stale-set race harness of the module rows: a "row" with a version; loads read the row, then take 0–15 ms (a
 * slow DB); a writer on alternating workers bumps the version and invalidates; readers on both workers read
 * continuously. A read that began after version v was acknowledged and returns < v is stale; at the end the entry
 * must hold the last version.
 */
import { sleep } from './stats.ts';

export interface RaceOps {
  read: (worker: number, loader: () => Promise<{ v: number }>) => Promise<{ v: number }>;
  invalidate: (worker: number) => Promise<void>;
}

export async function raceRun(
  ops: RaceOps,
  rounds = 500,
): Promise<{ stale: number; rounds: number; loads: number; finalStale: boolean }> {
  let row = 0;
  let acked = 0;
  let loads = 0;
  let stale = 0;
  let done = false;
  const loader = async (): Promise<{ v: number }> => {
    loads++;
    const v = row;
    await sleep(Math.random() * 15);
    return { v };
  };
  const readers = Array.from({ length: 6 }, async (_, r) => {
    while (!done) {
      const floor = acked;
      const got = await ops.read(r % 2, loader);
      if (got.v < floor) stale++;
      await sleep(Math.random() * 2);
    }
  });
  for (let i = 1; i <= rounds; i++) {
    row = i;
    await ops.invalidate(i % 2);
    acked = i;
    await sleep(Math.random() * 8);
  }
  done = true;
  await Promise.all(readers);
  // Let any last in-flight load finish, then read once more on each worker.
  await sleep(40);
  let finalStale = false;
  for (const w of [0, 1]) {
    const got = await ops.read(w, loader);
    if (got.v !== row) finalStale = true;
  }
  if (finalStale) stale++;
  return { stale, rounds, loads, finalStale };
}
