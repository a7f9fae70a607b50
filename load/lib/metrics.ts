// The project's own k6 metrics (all prefixed `fastnpc_`), fed from the headers every response of the service carries:
// X-Cache (hit | miss | bypass), X-Cache-Detail (settings=hit;char_id=hit;profile=miss), X-DB-Queries (statements).
// Custom metrics must be created in the init context: importing this module does that.
import type { RefinedResponse, ResponseType } from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';

/** What a request does, as the app sees it; used as the `type` tag and to choose the latency Trend. */
export type RequestType = 'settings' | 'settings_write' | 'character_list' | 'profile' | 'chat';

/** Share of responses answered entirely from the cache (X-Cache: hit). `miss` and `bypass` count as not hit. */
export const cacheHit = new Rate('fastnpc_cache_hit');
/** Per cached entry (X-Cache-Detail), tagged `entry`: settings, char_id, profile, list. */
export const cacheEntryHit = new Rate('fastnpc_cache_entry_hit');
/** SQL statements the service sent for these requests (X-DB-Queries), tagged `type`. */
export const dbQueries = new Counter('fastnpc_db_queries');
/** Reads that returned older data than a write already acknowledged. Must stay 0. */
export const staleReads = new Counter('fastnpc_stale_reads');
/** Reads that returned older data than an earlier read of the same VU (a cached value went back in time). */
export const readRegressions = new Counter('fastnpc_read_regressions');
/** Every read of a cached endpoint (settings, character list, profile); the plan's ceiling is p95 < 5 ms. */
export const cachedReadDuration = new Trend('fastnpc_cached_read_duration', true);

/** One latency Trend per request type, so the report can give p50/p95/p99 per type without sub-metric tricks. */
export const durationByType: Record<RequestType, Trend> = {
  settings: new Trend('fastnpc_settings_duration', true),
  settings_write: new Trend('fastnpc_settings_write_duration', true),
  character_list: new Trend('fastnpc_character_list_duration', true),
  profile: new Trend('fastnpc_profile_duration', true),
  chat: new Trend('fastnpc_chat_duration', true),
};

/** Request types served from the cache when it is on. */
export const CACHED_READ_TYPES: readonly RequestType[] = ['settings', 'character_list', 'profile'];

/** k6 canonicalises header names (X-DB-Queries arrives as X-Db-Queries): look them up case-insensitively. */
export function header(res: { headers: { [name: string]: string } }, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(res.headers)) {
    if (key.toLowerCase() === wanted) return res.headers[key];
  }
  return undefined;
}

/** Parses `settings=hit;char_id=hit;profile=miss` into pairs; unknown shapes are skipped. */
export function parseCacheDetail(detail: string | undefined): Array<[string, string]> {
  if (!detail) return [];
  const pairs: Array<[string, string]> = [];
  for (const part of detail.split(';')) {
    const [entry, state] = part.split('=').map((s) => s.trim());
    if (entry && state) pairs.push([entry, state]);
  }
  return pairs;
}

/**
 * Feeds every fastnpc_ metric from one response. `extraTags` (e.g. `{ stage: 'rate_0400' }`) is added to each
 * sample, so per-stage sub-metrics (`fastnpc_cached_read_duration{stage:rate_0400}`) can be thresholded.
 */
export function record<RT extends ResponseType | undefined>(
  res: RefinedResponse<RT>,
  type: RequestType,
  extraTags: { [name: string]: string } = {},
): void {
  const tags = { ...extraTags, type };
  const duration = res.timings.duration;
  durationByType[type].add(duration, tags);
  if (CACHED_READ_TYPES.indexOf(type) !== -1) cachedReadDuration.add(duration, tags);

  const cache = header(res, 'X-Cache');
  if (cache === 'hit' || cache === 'miss' || cache === 'bypass') cacheHit.add(cache === 'hit', tags);
  for (const [entry, state] of parseCacheDetail(header(res, 'X-Cache-Detail'))) {
    cacheEntryHit.add(state === 'hit', { ...tags, entry });
  }

  const statements = Number(header(res, 'X-DB-Queries'));
  if (Number.isFinite(statements) && statements >= 0) dbQueries.add(statements, tags);
}
