/** What a report needs to be read later: which code, which versions, which target, how busy the host was. */
import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface RunMetadata {
  commit: string;
  /** true when the work tree had uncommitted changes. */
  dirty: boolean;
  node: string;
  redis: string;
  postgres: string;
  target: string;
  /** Same target for comparisons: the kind for embedded targets (ports change per run), kind + URL for external. */
  targetKey: string;
  /** The Redis topology the target ran (single, sentinel, cluster); part of the comparison key. */
  topology: string;
  /** The scope that was run (deploy or full); part of the comparison key. */
  scope: string;
  /**
   * true for a complete run of its scope (published to reports/latest and the top-level files); false for a partial
   * run (`--only`), which is kept in reports/runs/<time>-partial/ and is never the "previous" run of a comparison.
   */
  complete: boolean;
  host: string;
  cpus: number;
  memoryGb: number;
  /** 1-, 5- and 15-minute load averages at the start and at the end of the run. */
  loadStart: number[];
  loadEnd: number[];
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function startMetadata(
  root: string,
): Pick<RunMetadata, 'commit' | 'dirty' | 'node' | 'host' | 'cpus' | 'memoryGb' | 'loadStart'> {
  return {
    commit: git(root, ['rev-parse', '--short=12', 'HEAD']) || 'unknown',
    dirty: git(root, ['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.version,
    host: hostname(),
    cpus: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadStart: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/**
 * The harness's own checkout as git sees it (HEAD and the tracked files' changes). Read at the start and the end of a
 * run: a checkout that changed in between ran two versions of the suites (a file loaded late gets the new code
 * beside the old), and its failures may be the harness's, not the target's.
 */
export function checkoutState(root: string): string {
  return `${git(root, ['rev-parse', 'HEAD'])}\n${git(root, ['status', '--porcelain', '--untracked-files=no'])}`;
}

/** redis_version from INFO server, or why it could not be read. */
export async function redisVersion(url: string, password: string | undefined): Promise<string> {
  const client = new Redis(url, {
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    const info = await client.info('server');
    return info.match(/^redis_version:(.+)$/m)?.[1]?.trim() ?? 'unknown';
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  } finally {
    client.disconnect();
  }
}

/** server_version of PostgreSQL, or why it could not be read. */
export async function postgresVersion(url: string | undefined): Promise<string> {
  if (!url) return 'not given (no DATABASE_URL)';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  } finally {
    await client.end().catch(() => {});
  }
}

export function endLoad(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}
