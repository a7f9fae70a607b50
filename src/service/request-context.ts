import { AsyncLocalStorage } from 'node:async_hooks';

/** Outcome of one cached read, as reported in X-Cache / X-Cache-Detail. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/** What one HTTP request accumulates while it runs: statements sent to PostgreSQL and cache reads. */
export interface RequestContext {
  dbQueries: number;
  /**
   * Where the request spent its time, ms (sent as Server-Timing when FASTNPC_SERVER_TIMING=on; bench:write-path
   * reads it): `db` every statement (BEGIN/COMMIT included), `xid` the statements selecting the transaction id,
   * `del` the write path's synchronous delete, `mark` its `syncinv` marker.
   */
  timing: { db: number; xid: number; del: number; mark: number };
  /** entry name (settings, char_id, profile, list) → outcome; the worst outcome wins per entry. */
  cache: Map<string, CacheOutcome>;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function newRequestContext(): RequestContext {
  return { dbQueries: 0, cache: new Map(), timing: { db: 0, xid: 0, del: 0, mark: 0 } };
}

/** Runs `fn` with `context` as the current request context (statement counting, cache outcomes). */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

const RANK: Record<CacheOutcome, number> = { hit: 0, miss: 1, bypass: 2 };

export function recordCacheOutcome(entry: string, outcome: CacheOutcome): void {
  const context = storage.getStore();
  if (!context) return;
  const previous = context.cache.get(entry);
  if (previous === undefined || RANK[outcome] > RANK[previous]) context.cache.set(entry, outcome);
}

/** X-Cache: `bypass` if any read bypassed, else `miss` if any missed, else `hit`; undefined when nothing was read. */
export function summarizeCache(cache: ReadonlyMap<string, CacheOutcome>): { summary?: CacheOutcome; detail?: string } {
  if (cache.size === 0) return {};
  if (cache.size === 1) {
    for (const [entry, outcome] of cache) return { summary: outcome, detail: `${entry}=${outcome}` };
  }
  let worst: CacheOutcome = 'hit';
  const parts: string[] = [];
  for (const [entry, outcome] of cache) {
    if (RANK[outcome] > RANK[worst]) worst = outcome;
    parts.push(`${entry}=${outcome}`);
  }
  return { summary: worst, detail: parts.join(';') };
}

/** Adds `ms` to the current request's `step` (no-op outside a request). */
export function addTiming(step: keyof RequestContext['timing'], ms: number): void {
  const context = storage.getStore();
  if (context) context.timing[step] += ms;
}

/** The Server-Timing header value of a request's steps. */
export function serverTiming(context: RequestContext): string {
  const t = context.timing;
  return `db;dur=${t.db.toFixed(2)}, xid;dur=${t.xid.toFixed(2)}, del;dur=${t.del.toFixed(2)}, mark;dur=${t.mark.toFixed(2)}`;
}
