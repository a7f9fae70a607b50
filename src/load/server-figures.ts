/**
 * Hit rate and database statements measured on the servers rather than from response headers: Redis `INFO stats`
 * (keyspace_hits / keyspace_misses) and PostgreSQL `pg_stat_statements` (sum of calls) read before and after the
 * k6 run, the differences merged into the scenario's JSON report. Against a target that sends no `X-Cache` /
 * `X-DB-Queries` (the real FastNPC) these are the only figures there are, so the hit-rate threshold is applied to
 * them. Redis counts every key lookup of the run (the cache's lease checks too), so the figure is the keyspace's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parseRedisInfo } from '../redis/info.ts';

export interface ServerEndpoints {
  redisUrl?: string;
  redisPassword?: string;
  databaseUrl?: string;
}

export interface ServerCounters {
  keyspaceHits: number | null;
  keyspaceMisses: number | null;
  statements: number | null;
  /** Why a counter could not be read. */
  notes: string[];
}

export interface ServerFigures {
  cacheHitRate: number | null;
  keyspaceHits: number | null;
  keyspaceMisses: number | null;
  dbStatements: number | null;
  source: string;
  notes: string[];
}

/** The plan's hit-rate bound (criterion 6), applied to the server-side figure when the target sends no X-Cache. */
export const HIT_RATE_BOUND = 0.9;

function firstLine(error: unknown): string {
  return (error as Error).message.split('\n')[0] ?? String(error);
}

export async function readCounters(endpoints: ServerEndpoints): Promise<ServerCounters> {
  const counters: ServerCounters = { keyspaceHits: null, keyspaceMisses: null, statements: null, notes: [] };
  if (endpoints.redisUrl) {
    const redis = new Redis(endpoints.redisUrl, {
      password: endpoints.redisPassword,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      const info = parseRedisInfo(await redis.info('stats'));
      counters.keyspaceHits = Number(info.keyspace_hits);
      counters.keyspaceMisses = Number(info.keyspace_misses);
    } catch (error) {
      counters.notes.push(`Redis INFO unreadable: ${firstLine(error)}`);
    } finally {
      redis.disconnect();
    }
  } else counters.notes.push('no REDIS_URL: hit rate not measured on the server');
  if (endpoints.databaseUrl) {
    const client = new pg.Client({ connectionString: endpoints.databaseUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const result = await client.query<{ calls: string }>(
        "SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'",
      );
      counters.statements = Number(result.rows[0]?.calls ?? 0);
    } catch (error) {
      counters.notes.push(`pg_stat_statements unreadable: ${firstLine(error)}`);
    } finally {
      await client.end().catch(() => {});
    }
  } else counters.notes.push('no DATABASE_URL: statements not counted on the server');
  return counters;
}

export function serverFigures(before: ServerCounters, after: ServerCounters): ServerFigures {
  const delta = (a: number | null, b: number | null): number | null =>
    a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b) ? null : b - a;
  const hits = delta(before.keyspaceHits, after.keyspaceHits);
  const misses = delta(before.keyspaceMisses, after.keyspaceMisses);
  const lookups = hits !== null && misses !== null ? hits + misses : null;
  return {
    cacheHitRate: lookups ? (hits as number) / lookups : null,
    keyspaceHits: hits,
    keyspaceMisses: misses,
    // the "after" query itself is excluded by its text; the "before" one ran before the window
    dbStatements: delta(before.statements, after.statements),
    source: 'Redis INFO keyspace_hits/misses and pg_stat_statements calls, before vs after the run',
    notes: [...new Set([...before.notes, ...after.notes])],
  };
}

interface LoadReport {
  ok?: boolean;
  thresholds?: Array<{ metric: string; expression: string; ok: boolean }>;
  fastnpc?: { cacheHitRate?: number | null; serverSide?: ServerFigures; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Merges the server-side figures into the scenario's JSON report. When the report has no hit rate from headers
 * (target without X-Cache) and the scenario gates on it, the server-side hit rate becomes the figure and the bound
 * is applied as a threshold. Returns whether every threshold in the report now holds (undefined: no report).
 */
export function mergeIntoReport(path: string, figures: ServerFigures, gateHitRate: boolean): boolean | undefined {
  let report: LoadReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as LoadReport;
  } catch {
    return undefined;
  }
  report.fastnpc = { ...(report.fastnpc ?? {}), serverSide: figures };
  const fromHeaders = report.fastnpc.cacheHitRate;
  if (gateHitRate && (fromHeaders === null || fromHeaders === undefined)) {
    report.fastnpc.cacheHitRate = figures.cacheHitRate;
    const ok = figures.cacheHitRate !== null && figures.cacheHitRate > HIT_RATE_BOUND;
    report.thresholds = [
      ...(report.thresholds ?? []),
      { metric: 'server_keyspace_hit_rate (Redis INFO)', expression: `rate>${HIT_RATE_BOUND}`, ok },
    ];
  }
  report.ok = (report.thresholds ?? []).every((t) => t.ok);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return report.ok;
}
