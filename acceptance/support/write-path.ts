/**
 * Criterion 7's machinery for one write path: the body primes the path's entries on both workers, requires reads to
 * be cache hits observed in Redis (cache-read-probe.ts) before the write and after it, writes with a marker on worker
 * 1 and collects stale reads. Used by the row and by its cache-off control.
 */
import type { CacheReadProbe } from './cache-read-probe.ts';
import { type Client, type Reply, seg } from './http.ts';

export const WORKER_NAMES = ['worker 1', 'worker 2'];

/**
 * Reads before the write, one of which must be a hit. A primed entry can be gone for reasons outside the path under
 * test — the commit-log invalidator finishing the previous path's write, an eviction, a read that bypassed the cache
 * while a slow command was judged on a loaded host (07 failed once so in a matrix run at load 12) — and the read
 * refills it; a target that never serves the path from the cache (the cache-off control) misses every time.
 */
export const HIT_BEFORE_ATTEMPTS = 3;

/** A read of one entry on one worker; returns why its content is stale, if it is (undefined = fine or not shown). */
export type EntryRead = (c: Client, worker: number) => Promise<string | undefined>;

export interface PathCtx {
  w1: Client;
  w2: Client;
  both: Client[];
  stale: string[];
  notCached: string[];
  /** Before the write: `read` on each worker must be served from one of `keys` (a hit observed in Redis). */
  hitBefore(keys: string[], read: EntryRead): Promise<void>;
  /** After the write and the first reads: `read` on each worker, at least one served from `keys`; content judged. */
  hitAfter(keys: string[], read: EntryRead): Promise<void>;
}

export interface PathOutcome {
  stale: string[];
  notCached: string[];
}

/** Runs one path's body for the session `w1` (worker 1) and the same session on `u2` (worker 2). */
export async function runWritePath(
  probe: CacheReadProbe,
  body: (ctx: PathCtx) => Promise<void>,
  w1: Client,
  u2: string,
): Promise<PathOutcome> {
  const stale: string[] = [];
  const notCached: string[] = [];
  const both = [w1, w1.on(u2)];
  const probed = async (keys: string[], read: EntryRead, i: number, c: Client): Promise<boolean> => {
    const p = await probe.read(keys, () => read(c, i));
    if (p.value) stale.push(p.value);
    return p.hit;
  };
  await body({
    w1,
    w2: both[1] as Client,
    both,
    stale,
    notCached,
    async hitBefore(keys, read) {
      for (const [i, c] of both.entries()) {
        let hit = false;
        for (let attempt = 0; attempt < HIT_BEFORE_ATTEMPTS && !hit; attempt++) hit = await probed(keys, read, i, c);
        if (!hit) notCached.push(`${WORKER_NAMES[i]} before the write`);
      }
    },
    async hitAfter(keys, read) {
      let any = false;
      for (const [i, c] of both.entries()) if (await probed(keys, read, i, c)) any = true;
      if (!any) notCached.push('both workers after the write');
    },
  });
  return { stale, notCached };
}

/** Reads each path twice on each worker so the entries are cached everywhere. */
export async function prime(clients: Client[], paths: string[]): Promise<void> {
  for (const c of clients) for (const p of paths) for (let i = 0; i < 2; i++) await c.get(p);
}

/** A chat message: what fills and reads char_profile on the real app. */
export async function chat(c: Client, role: string): Promise<undefined> {
  await c.post(`/api/chat/${seg(role)}/messages`, { content: 'prime the profile' });
  return undefined;
}

/** A chat on each worker. */
export async function chatOnBoth(clients: Client[], role: string): Promise<void> {
  for (const c of clients) await chat(c, role);
}

export const roles = (reply: Reply<{ items?: Array<{ role: string }> }>): string[] =>
  (reply.body?.items ?? []).map((i) => i.role);

/** A list read on one worker, judged by `stale` (which names the problem, if any). */
export const listRead =
  (stale: (list: string[], worker: number) => string | undefined = () => undefined): EntryRead =>
  async (c, i) =>
    stale(roles(await c.get('/api/characters')), i);
